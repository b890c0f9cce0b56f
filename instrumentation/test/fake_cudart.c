/*
 * Stand-in libcudart.so.13 for the recorder tests (no GPU): the same symbols
 * with trivial bodies that count their calls, so a test can check that every
 * hook calls through. Special handles drive the interesting cases:
 *   stream FAKE_HANG_STREAM: cudaStreamSynchronize blocks forever;
 *   event  FAKE_BUSY_EVENT:  cudaEventQuery returns cudaErrorNotReady;
 *   cudaDeviceSynchronize calls cudaStreamSynchronize(FAKE_INNER_STREAM)
 *   through the PLT, i.e. a hooked call made from inside a hooked call.
 */
#define _GNU_SOURCE
#include "cuda_types.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAKE_HANG_STREAM ((cudaStream_t)0xdead)
#define FAKE_INNER_STREAM ((cudaStream_t)0x1111)
#define FAKE_BUSY_EVENT ((cudaEvent_t)0xb05e)

/* one X-macro list, wrapped by hand: clang-format 14 re-wraps it differently on each run */
// clang-format off
#define COUNTED(X)                                                                                    \
  X(cudaStreamCreate) X(cudaStreamCreateWithFlags) X(cudaStreamCreateWithPriority) X(cudaStreamDestroy) \
  X(cudaStreamQuery) X(cudaStreamSynchronize) X(cudaStreamWaitEvent) X(cudaEventCreate)                 \
  X(cudaEventCreateWithFlags) X(cudaEventDestroy) X(cudaEventRecord) X(cudaEventRecordWithFlags)        \
  X(cudaEventQuery) X(cudaEventSynchronize) X(cudaEventElapsedTime) X(cudaDeviceSynchronize)            \
  X(cudaLaunchKernel) X(__cudaGetKernel) X(__cudaLaunchKernel) X(cudaLaunchKernelExC) X(cudaGraphLaunch) \
  X(cudaMemcpy) X(cudaMemcpyAsync) X(cudaMemset) X(cudaMemsetAsync) X(cudaMalloc) X(cudaFree)           \
  X(cudaMallocHost) X(cudaHostAlloc) X(cudaFreeHost) X(cudaMallocAsync) X(cudaFreeAsync)                \
  X(cudaEventRecord_ptsz) X(cudaLaunchKernel_ptsz) X(cudaStreamSynchronize_ptsz)
// clang-format on
#define COUNTER(f) unsigned long fake_n_##f;
COUNTED(COUNTER)

/* Prints "name count" for every function called at least once. */
void fake_cudart_report(FILE *out) {
#define REPORT(f)                                                                                                                          \
  if (fake_n_##f) fprintf(out, "%s %lu\n", #f, fake_n_##f);
  COUNTED(REPORT)
}

static uintptr_t next_handle = 0x1000;
static uintptr_t new_handle(void) { return __atomic_add_fetch(&next_handle, 0x10, __ATOMIC_RELAXED); }

#define N(f) __atomic_add_fetch(&fake_n_##f, 1, __ATOMIC_RELAXED)

cudaError_t cudaStreamCreate(cudaStream_t *s) {
  N(cudaStreamCreate);
  *s = (cudaStream_t)new_handle();
  return 0;
}
cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned f) {
  N(cudaStreamCreateWithFlags);
  *s = (cudaStream_t)new_handle();
  return 0;
}
cudaError_t cudaStreamCreateWithPriority(cudaStream_t *s, unsigned f, int p) {
  N(cudaStreamCreateWithPriority);
  *s = (cudaStream_t)new_handle();
  return 0;
}
cudaError_t cudaStreamDestroy(cudaStream_t s) {
  N(cudaStreamDestroy);
  return 0;
}
cudaError_t cudaStreamQuery(cudaStream_t s) {
  N(cudaStreamQuery);
  return s == FAKE_HANG_STREAM ? cudaErrorNotReady : 0;
}
cudaError_t cudaStreamSynchronize(cudaStream_t s) {
  N(cudaStreamSynchronize);
  while (s == FAKE_HANG_STREAM) pause(); /* a GPU that never finishes */
  return 0;
}
cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned f) {
  N(cudaStreamWaitEvent);
  return 0;
}
cudaError_t cudaEventCreate(cudaEvent_t *e) {
  N(cudaEventCreate);
  *e = (cudaEvent_t)new_handle();
  return 0;
}
cudaError_t cudaEventCreateWithFlags(cudaEvent_t *e, unsigned f) {
  N(cudaEventCreateWithFlags);
  *e = (cudaEvent_t)new_handle();
  return 0;
}
cudaError_t cudaEventDestroy(cudaEvent_t e) {
  N(cudaEventDestroy);
  return 0;
}
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s) {
  N(cudaEventRecord);
  return 0;
}
cudaError_t cudaEventRecordWithFlags(cudaEvent_t e, cudaStream_t s, unsigned f) {
  N(cudaEventRecordWithFlags);
  return 0;
}
cudaError_t cudaEventQuery(cudaEvent_t e) {
  N(cudaEventQuery);
  return e == FAKE_BUSY_EVENT ? cudaErrorNotReady : 0;
}
cudaError_t cudaEventSynchronize(cudaEvent_t e) {
  N(cudaEventSynchronize);
  return 0;
}
cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b) {
  N(cudaEventElapsedTime);
  *ms = 1.5f;
  return 0;
}
cudaError_t cudaDeviceSynchronize(void) {
  N(cudaDeviceSynchronize);
  return cudaStreamSynchronize(FAKE_INNER_STREAM); /* through the PLT: hooked again */
}
cudaError_t cudaLaunchKernel(const void *f, dim3 g, dim3 b, void **a, size_t sh, cudaStream_t s) {
  N(cudaLaunchKernel);
  return 0;
}
cudaError_t __cudaGetKernel(void **k, const void *f) {
  N(__cudaGetKernel);
  *k = (void *)((uintptr_t)f ^ 0x5a5a0000);
  return 0;
}
cudaError_t __cudaLaunchKernel(void *k, dim3 g, dim3 b, void **a, size_t sh, cudaStream_t s) {
  N(__cudaLaunchKernel);
  return 0;
}
cudaError_t cudaLaunchKernelExC(const cudaLaunchConfig_t *c, const void *f, void **a) {
  N(cudaLaunchKernelExC);
  return 0;
}
cudaError_t cudaGraphLaunch(cudaGraphExec_t g, cudaStream_t s) {
  N(cudaGraphLaunch);
  return 0;
}
cudaError_t cudaMemcpy(void *d, const void *s, size_t n, int k) {
  N(cudaMemcpy);
  if (k == 0) memmove(d, s, n);
  return 0;
}
cudaError_t cudaMemcpyAsync(void *d, const void *s, size_t n, int k, cudaStream_t st) {
  N(cudaMemcpyAsync);
  return 0;
}
cudaError_t cudaMemset(void *d, int v, size_t n) {
  N(cudaMemset);
  return 0;
}
cudaError_t cudaMemsetAsync(void *d, int v, size_t n, cudaStream_t s) {
  N(cudaMemsetAsync);
  return 0;
}
cudaError_t cudaMalloc(void **p, size_t n) {
  N(cudaMalloc);
  *p = (void *)new_handle();
  return 0;
}
cudaError_t cudaFree(void *p) {
  N(cudaFree);
  return 0;
}
cudaError_t cudaMallocHost(void **p, size_t n) {
  N(cudaMallocHost);
  *p = malloc(n);
  return 0;
}
cudaError_t cudaHostAlloc(void **p, size_t n, unsigned f) {
  N(cudaHostAlloc);
  *p = malloc(n);
  return 0;
}
cudaError_t cudaFreeHost(void *p) {
  N(cudaFreeHost);
  free(p);
  return 0;
}
cudaError_t cudaMallocAsync(void **p, size_t n, cudaStream_t s) {
  N(cudaMallocAsync);
  *p = (void *)new_handle();
  return 0;
}
cudaError_t cudaFreeAsync(void *p, cudaStream_t s) {
  N(cudaFreeAsync);
  return 0;
}
cudaError_t cudaEventRecord_ptsz(cudaEvent_t e, cudaStream_t s) {
  N(cudaEventRecord_ptsz);
  return 0;
}
cudaError_t cudaLaunchKernel_ptsz(const void *f, dim3 g, dim3 b, void **a, size_t sh, cudaStream_t s) {
  N(cudaLaunchKernel_ptsz);
  return 0;
}
cudaError_t cudaStreamSynchronize_ptsz(cudaStream_t s) {
  N(cudaStreamSynchronize_ptsz);
  return 0;
}
