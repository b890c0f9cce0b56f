/* Calls every hooked function once with recognizable arguments, then prints
 * the stand-in's call counts ("name count" lines) so the test can check that
 * each hook called through. The test reads the trace and checks each record. */
#include "fake_cuda_api.h"
#include "mpstrace.h"
#include <stdint.h>
#include <stdlib.h>

void mpst_test_kernel(void) {}
void mpst_test_kernel2(void) {}

int main(void) {
  cudaStream_t s1, s2, s3;
  cudaStreamCreate(&s1);
  cudaStreamCreateWithFlags(&s2, 1);
  cudaStreamCreateWithPriority(&s3, 1, -2);
  cudaEvent_t e1, e2;
  cudaEventCreate(&e1);
  cudaEventCreateWithFlags(&e2, cudaEventDisableTiming);
  cudaEventRecord(e1, s1);
  cudaEventRecordWithFlags(e2, s2, 0);
  cudaStreamWaitEvent(s3, e1, 0);
  cudaEventQuery(e1);
  cudaEventQuery(FAKE_BUSY_EVENT);
  cudaStreamQuery(s1);
  cudaEventSynchronize(e1);
  cudaStreamSynchronize(s2);
  float ms = 0;
  cudaEventElapsedTime(&ms, e1, e2);
  cudaDeviceSynchronize(); /* the stand-in calls cudaStreamSynchronize inside */
  dim3 g = { 2, 1, 1 }, b = { 32, 1, 1 };
  cudaLaunchKernel((const void *)mpst_test_kernel, g, b, NULL, 0, s1);
  void *k = NULL;
  __cudaGetKernel(&k, (const void *)mpst_test_kernel2);
  __cudaLaunchKernel(k, g, b, NULL, 0, s2);
  cudaLaunchConfig_t cfg = { g, b, 0, s3, NULL, 0 };
  cudaLaunchKernelExC(&cfg, (const void *)mpst_test_kernel, NULL);
  cudaLaunchKernel((const void *)mpst_test_kernel, g, b, NULL, 0, (cudaStream_t)2); /* per-thread default stream */
  cudaGraphLaunch((cudaGraphExec_t)0x6a, s1);
  void *d = NULL, *h = NULL, *h2 = NULL, *da = NULL;
  cudaMalloc(&d, 4096);
  cudaMallocHost(&h, 256);
  cudaHostAlloc(&h2, 128, 0);
  cudaMallocAsync(&da, 512, s2);
  cudaMemcpy(d, h, 256, 1);
  cudaMemcpyAsync(h, d, 128, 2, s1);
  cudaMemset(d, 0, 64);
  cudaMemsetAsync(d, 1, 32, s3);
  cudaFreeAsync(da, s2);
  cudaFreeHost(h);
  cudaFreeHost(h2);
  cudaFree(d);
  cudaEventDestroy(e1);
  cudaEventDestroy(e2);
  cudaStreamDestroy(s1);
  /* per-thread default stream entry points: stream 0 means the per-thread stream */
  cudaEventRecord_ptsz(e1, 0);
  cudaLaunchKernel_ptsz((const void *)mpst_test_kernel2, g, b, NULL, 0, 0);
  cudaStreamSynchronize_ptsz(0);
  /* annotations */
  mpstrace_slot_acquire(3, (uint64_t)(uintptr_t)s1, 5, 1234);
  mpstrace_slot_set_current(4, (uint64_t)(uintptr_t)s2, 3);
  mpstrace_slot_release(3, (uint64_t)(uintptr_t)s1, 6, 1);
  mpstrace_device_sync_begin("empty_cache");
  mpstrace_device_sync_end("empty_cache");
  mpstrace_intent_record(0xe1, 0x51);
  mpstrace_intent_wait(0xe2, 0x52);
  mpstrace_range_push("step");
  mpstrace_marker("here");
  mpstrace_range_pop();
  mpstrace_buffer_access((void *)0xabc000, 4096, 0x51, MPSTRACE_ACCESS_MODE_WRITE);
  printf("enabled %d\n", mpstrace_enabled());
  fake_cudart_report(stdout);
  return 0;
}
