/* Stand-in for cuBLAS: a CUDA library that finds the driver by itself
 * (dlopen libcuda.so.1, dlsym cuGetProcAddress_v2) and launches through
 * cuLaunchKernel. Its launches must be recorded, with the call site in the
 * program that called it. */
#include "cuda_types.h"
#include <dlfcn.h>
#include <stddef.h>

typedef CUresult (*gpa_fn)(const char *, void **, int, unsigned long long, int *);
typedef CUresult (*launch_fn)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream, void **, void **);

__attribute__((visibility("default"), noinline)) int fake_gemm(CUstream s) {
  static launch_fn launch;
  if (!launch) {
    void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    gpa_fn gpa = h ? (gpa_fn)dlsym(h, "cuGetProcAddress_v2") : NULL;
    if (!gpa || gpa("cuLaunchKernel", (void **)&launch, 12000, 0, NULL) != 0) return -1;
  }
  return launch((CUfunction)0xf01, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL);
}
