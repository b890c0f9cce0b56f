/*
 * Stand-in libcuda.so.1 for the driver-entry tests (no GPU): exports only the
 * lookup functions cuGetProcAddress_v2 / cuGetProcAddress, as the real driver
 * is used by a statically linked runtime and by cuBLAS, and hands out counting
 * stand-ins for the driver functions below. Versions and the per-thread flag
 * select entries as the real driver does for these functions.
 */
#define _GNU_SOURCE
#include "cuda_types.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* one X-macro list, wrapped by hand: clang-format 14 re-wraps it differently on each run */
// clang-format off
#define FAKE_DRV(X)                                                                                      \
  X(cuStreamCreate) X(cuStreamSynchronize) X(cuStreamSynchronize_ptsz) X(cuStreamWaitEvent) X(cuEventCreate) \
  X(cuEventRecord) X(cuEventRecord_ptsz) X(cuEventQuery) X(cuCtxSynchronize) X(cuCtxSynchronize_v2)          \
  X(cuLaunchKernel) X(cuLaunchKernel_ptsz) X(cuMemAlloc_v2) X(cuMemFree_v2) X(cuMemcpyHtoDAsync_v2)          \
  X(cuMemcpyDtoH_v2) X(cuFuncGetName) X(cuStreamDestroy_v2)
// clang-format on
#define COUNTER(f) static unsigned long n_##f;
FAKE_DRV(COUNTER)
#define N(f) __atomic_add_fetch(&n_##f, 1, __ATOMIC_RELAXED)

/* Prints "name count" for every driver function called at least once. */
__attribute__((visibility("default"))) void fake_cuda_report(FILE *out) {
#define REPORT(f)                                                                                                                          \
  if (n_##f) fprintf(out, "%s %lu\n", #f, n_##f);
  FAKE_DRV(REPORT)
}

static uintptr_t next_handle = 0x7000;
static uintptr_t new_handle(void) { return __atomic_add_fetch(&next_handle, 0x10, __ATOMIC_RELAXED); }

static CUresult cuStreamCreate(CUstream *s, unsigned f) {
  N(cuStreamCreate);
  *s = (CUstream)new_handle();
  return 0;
}
static CUresult cuStreamDestroy_v2(CUstream s) {
  N(cuStreamDestroy_v2);
  return 0;
}
static CUresult cuStreamSynchronize(CUstream s) {
  N(cuStreamSynchronize);
  return 0;
}
static CUresult cuStreamSynchronize_ptsz(CUstream s) {
  N(cuStreamSynchronize_ptsz);
  return 0;
}
static CUresult cuStreamWaitEvent(CUstream s, CUevent e, unsigned f) {
  N(cuStreamWaitEvent);
  return 0;
}
static CUresult cuEventCreate(CUevent *e, unsigned f) {
  N(cuEventCreate);
  *e = (CUevent)new_handle();
  return 0;
}
static CUresult cuEventRecord(CUevent e, CUstream s) {
  N(cuEventRecord);
  return 0;
}
static CUresult cuEventRecord_ptsz(CUevent e, CUstream s) {
  N(cuEventRecord_ptsz);
  return 0;
}
static CUresult cuEventQuery(CUevent e) {
  N(cuEventQuery);
  return 600; /* not ready */
}
static CUresult cuCtxSynchronize(void) {
  N(cuCtxSynchronize);
  return 0;
}
static CUresult cuCtxSynchronize_v2(CUcontext c) {
  N(cuCtxSynchronize_v2);
  return 0;
}
static CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned sh,
                               CUstream s, void **p, void **x) {
  N(cuLaunchKernel);
  return 0;
}
static CUresult cuLaunchKernel_ptsz(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned sh,
                                    CUstream s, void **p, void **x) {
  N(cuLaunchKernel_ptsz);
  return 0;
}
static CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
  N(cuMemAlloc_v2);
  *p = new_handle() << 8;
  return 0;
}
static CUresult cuMemFree_v2(CUdeviceptr p) {
  N(cuMemFree_v2);
  return 0;
}
static CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *h, size_t n, CUstream s) {
  N(cuMemcpyHtoDAsync_v2);
  return 0;
}
static CUresult cuMemcpyDtoH_v2(void *h, CUdeviceptr d, size_t n) {
  N(cuMemcpyDtoH_v2);
  return 0;
}
/* function handles 0xf00 + i are kernels named by the table below */
static const char *const kernel_names[] = { "_Z12scale_kernelPfif", "_ZN4demo6reduceILi256EEEvPKfPf" };
static CUresult cuFuncGetName(const char **name, CUfunction f) {
  N(cuFuncGetName);
  uintptr_t i = (uintptr_t)f - 0xf00;
  if (i >= sizeof kernel_names / sizeof kernel_names[0]) return 400; /* invalid handle */
  *name = kernel_names[i];
  return 0;
}

static const struct {
  const char *name;
  int vmin, pt;
  void *fn;
} entries[] = {
  { "cuStreamCreate", 2000, 0, (void *)cuStreamCreate },
  { "cuStreamDestroy", 4000, 0, (void *)cuStreamDestroy_v2 },
  { "cuStreamSynchronize", 7000, 1, (void *)cuStreamSynchronize_ptsz },
  { "cuStreamSynchronize", 2000, 0, (void *)cuStreamSynchronize },
  { "cuStreamWaitEvent", 3020, 0, (void *)cuStreamWaitEvent },
  { "cuEventCreate", 2000, 0, (void *)cuEventCreate },
  { "cuEventRecord", 7000, 1, (void *)cuEventRecord_ptsz },
  { "cuEventRecord", 2000, 0, (void *)cuEventRecord },
  { "cuEventQuery", 2000, 0, (void *)cuEventQuery },
  { "cuCtxSynchronize", 13000, 0, (void *)cuCtxSynchronize_v2 },
  { "cuCtxSynchronize", 2000, 0, (void *)cuCtxSynchronize },
  { "cuLaunchKernel", 7000, 1, (void *)cuLaunchKernel_ptsz },
  { "cuLaunchKernel", 4000, 0, (void *)cuLaunchKernel },
  { "cuMemAlloc", 3020, 0, (void *)cuMemAlloc_v2 },
  { "cuMemFree", 3020, 0, (void *)cuMemFree_v2 },
  { "cuMemcpyHtoDAsync", 3020, 0, (void *)cuMemcpyHtoDAsync_v2 },
  { "cuMemcpyDtoH", 3020, 0, (void *)cuMemcpyDtoH_v2 },
  { "cuFuncGetName", 12030, 0, (void *)cuFuncGetName },
};

__attribute__((visibility("default"))) CUresult cuGetProcAddress_v2(const char *sym, void **pfn, int version, unsigned long long flags,
                                                                    int *status);
__attribute__((visibility("default"))) CUresult cuGetProcAddress(const char *sym, void **pfn, int version, unsigned long long flags);

static CUresult lookup(const char *sym, void **pfn, int version, unsigned long long flags) {
  int pt = (flags & CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM) != 0;
  if (strcmp(sym, "cuGetProcAddress") == 0) {
    *pfn = version >= 12000 ? (void *)cuGetProcAddress_v2 : (void *)cuGetProcAddress;
    return 0;
  }
  for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
    if (strcmp(sym, entries[i].name) == 0 && version >= entries[i].vmin && entries[i].pt <= pt) {
      *pfn = entries[i].fn;
      return 0;
    }
  *pfn = NULL;
  return 500; /* CUDA_ERROR_NOT_FOUND */
}

__attribute__((visibility("default"))) CUresult cuGetProcAddress_v2(const char *sym, void **pfn, int version, unsigned long long flags,
                                                                    int *status) {
  CUresult rc = lookup(sym, pfn, version, flags);
  if (status) *status = rc == 0 ? 0 : 1;
  return rc;
}

__attribute__((visibility("default"))) CUresult cuGetProcAddress(const char *sym, void **pfn, int version, unsigned long long flags) {
  return lookup(sym, pfn, version, flags);
}
