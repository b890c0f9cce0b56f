/*
 * Stand-in for a program built with nvcc's default static libcudart: the
 * "runtime" (the cuda* functions below, compiled into the executable as the
 * real one is) finds every driver function through libcuda's
 * cuGetProcAddress_v2, which it gets with dlopen + dlsym, as libcudart_static
 * does. Nothing here is exported, so LD_PRELOAD of runtime symbols sees none of
 * it; the recorder must see it at the driver entries. main() makes the calls;
 * the test checks each record and that every call site lies in main.
 * argv[1] == "gemm": also calls the stand-in cuBLAS (libcublas_fake.so).
 */
#include "cuda_types.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef CUresult (*gpa_fn)(const char *, void **, int, unsigned long long, int *);
static gpa_fn gpa;

#define RT __attribute__((noinline))
static RT void *cudart_driver(const char *name, int version, int per_thread) {
  if (!gpa) {
    void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h || !(gpa = (gpa_fn)dlsym(h, "cuGetProcAddress_v2"))) {
      fprintf(stderr, "no libcuda.so.1\n");
      exit(3);
    }
  }
  void *f = NULL;
  int status = 0;
  if (gpa(name, &f, version, per_thread ? CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM : 0, &status) != 0 || !f) {
    fprintf(stderr, "no driver function %s\n", name);
    exit(3);
  }
  return f;
}
#define DRV(type, name, version, pt)                                                                                                       \
  static __typeof__(type) p;                                                                                                               \
  if (!p) p = (type)cudart_driver(name, version, pt)

static RT int cudaStreamCreate(CUstream *s) {
  DRV(CUresult(*)(CUstream *, unsigned), "cuStreamCreate", 2000, 0);
  return p(s, 0);
}
static RT int cudaEventCreate(CUevent *e) {
  DRV(CUresult(*)(CUevent *, unsigned), "cuEventCreate", 2000, 0);
  return p(e, 0);
}
static RT int cudaEventRecord(CUevent e, CUstream s) {
  DRV(CUresult(*)(CUevent, CUstream), "cuEventRecord", 2000, 0);
  return p(e, s ? s : CU_STREAM_LEGACY); /* the runtime names the legacy stream explicitly */
}
static RT int cudaEventRecord_ptsz(CUevent e, CUstream s) {
  DRV(CUresult(*)(CUevent, CUstream), "cuEventRecord", 7000, 1);
  return p(e, s);
}
static RT int cudaStreamWaitEvent(CUstream s, CUevent e) {
  DRV(CUresult(*)(CUstream, CUevent, unsigned), "cuStreamWaitEvent", 3020, 0);
  return p(s, e, 0);
}
static RT int cudaEventQuery(CUevent e) {
  DRV(CUresult(*)(CUevent), "cuEventQuery", 2000, 0);
  return p(e);
}
static RT int cudaStreamSynchronize(CUstream s) {
  DRV(CUresult(*)(CUstream), "cuStreamSynchronize", 2000, 0);
  return p(s);
}
static RT int cudaDeviceSynchronize(void) {
  DRV(CUresult(*)(CUcontext), "cuCtxSynchronize", 13000, 0);
  return p(NULL);
}
typedef CUresult (*launch_fn)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream, void **, void **);
static RT int cudaLaunchKernel(CUfunction f, CUstream s) {
  DRV(launch_fn, "cuLaunchKernel", 4000, 0);
  return p(f, 2, 1, 1, 32, 1, 1, 0, s, NULL, NULL);
}
static RT int cudaLaunchKernel_ptsz(CUfunction f, CUstream s) {
  DRV(launch_fn, "cuLaunchKernel", 7000, 1);
  return p(f, 2, 1, 1, 32, 1, 1, 0, s, NULL, NULL);
}
static RT int cudaMalloc(CUdeviceptr *d, size_t n) {
  DRV(CUresult(*)(CUdeviceptr *, size_t), "cuMemAlloc", 3020, 0);
  return p(d, n);
}
static RT int cudaFree(CUdeviceptr d) {
  DRV(CUresult(*)(CUdeviceptr), "cuMemFree", 3020, 0);
  return p(d);
}
static RT int cudaMemcpyAsyncHtoD(CUdeviceptr d, const void *h, size_t n, CUstream s) {
  DRV(CUresult(*)(CUdeviceptr, const void *, size_t, CUstream), "cuMemcpyHtoDAsync", 3020, 0);
  return p(d, h, n, s);
}
static RT int cudaMemcpyDtoH(void *h, CUdeviceptr d, size_t n) {
  DRV(CUresult(*)(void *, CUdeviceptr, size_t), "cuMemcpyDtoH", 3020, 0);
  return p(h, d, n);
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

/* argv[1] == "bench" N: ns per call through the static runtime (event record +
 * query pairs, then launches), the hook cost being the traced minus the plain
 * run; call sites alternate between two lines so both must stay apart. */
static int bench(long n) {
  CUstream s;
  CUevent e;
  cudaStreamCreate(&s);
  cudaEventCreate(&e);
  double t0 = now_ns();
  for (long i = 0; i < n; i++) {
    cudaEventRecord(e, s);
    cudaEventQuery(e);
  }
  double t1 = now_ns();
  for (long i = 0; i < n; i += 2) {
    cudaLaunchKernel((CUfunction)0xf00, s);
    cudaLaunchKernel((CUfunction)0xf01, s);
  }
  double t2 = now_ns();
  printf("ns_per_call_event=%.1f ns_per_call_launch=%.1f\n", (t1 - t0) / (2.0 * n), (t2 - t1) / (double)n);
  return 0;
}

/* a program frame DEPTH calls deep (as Python and libtorch are above a GEMM) */
static int (*gemm_var)(CUstream, int);
static volatile int sink;
/* noipa (gcc) keeps each level a real frame; clang has no noipa, where noinline and the volatile sink suffice */
#if defined(__clang__)
#define MPST_NO_IPA __attribute__((noinline))
#else
#define MPST_NO_IPA __attribute__((noinline, noipa))
#endif
MPST_NO_IPA static int deep(int depth, CUstream s, int pad) {
  int r = depth > 0 ? deep(depth - 1, s, pad) : gemm_var(s, pad);
  sink = r; /* no tail calls: every level keeps its frame */
  return r;
}

MPST_NO_IPA static int deep_b(int depth, CUstream s, int pad) {
  int r = depth > 0 ? deep_b(depth - 1, s, pad) : gemm_var(s, pad);
  sink = r;
  return r;
}

/* argv[1] == "gemm-two" N: N launches, alternately from deep and deep_b at
 * the same depth (the same stack slots): each launch's call site must name
 * the function that made it, whatever the call before it found. */
static int gemm_two(long n) {
  CUstream s;
  cudaStreamCreate(&s);
  for (long i = 0; i < n; i++) (i & 1 ? deep_b : deep)(3, s, (int)(i / 2));
  return 0;
}

/* argv[1] == "gemm-bench" N DEPTH: ns per launch of the stand-in cuBLAS whose
 * frames vary in size call to call, called DEPTH frames below main. */
static int gemm_bench(long n, int depth) {
  void *lib = dlopen("libcublas_fake.so", RTLD_NOW);
  gemm_var = lib ? (int (*)(CUstream, int))dlsym(lib, "fake_gemm_var") : NULL;
  if (!gemm_var) {
    fprintf(stderr, "fake_gemm_var missing\n");
    return 4;
  }
  CUstream s;
  cudaStreamCreate(&s);
  for (int i = 0; i < 8; i++) deep(depth, s, i); /* warm */
  double t0 = now_ns();
  for (long i = 0; i < n; i++) deep(depth, s, (int)i);
  double t1 = now_ns();
  printf("ns_per_gemm_launch=%.1f depth=%d\n", (t1 - t0) / (double)n, depth);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "bench") == 0) return bench(atol(argv[2]));
  if (argc > 3 && strcmp(argv[1], "gemm-bench") == 0) return gemm_bench(atol(argv[2]), atoi(argv[3]));
  if (argc > 2 && strcmp(argv[1], "gemm-two") == 0) {
    void *lib = dlopen("libcublas_fake.so", RTLD_NOW);
    gemm_var = lib ? (int (*)(CUstream, int))dlsym(lib, "fake_gemm_var") : NULL;
    return gemm_var ? gemm_two(atol(argv[2])) : 4;
  }
  CUstream s1, s2;
  CUevent e1;
  cudaStreamCreate(&s1);
  cudaStreamCreate(&s2);
  cudaEventCreate(&e1);
  CUdeviceptr d;
  cudaMalloc(&d, 4096);
  char host[64] = { 0 };
  cudaMemcpyAsyncHtoD(d, host, sizeof host, s1);
  cudaLaunchKernel((CUfunction)0xf00, s1);
  cudaEventRecord(e1, s1);
  cudaStreamWaitEvent(s2, e1);
  cudaLaunchKernel((CUfunction)0xf01, s2);
  cudaLaunchKernel((CUfunction)0xf00, 0); /* legacy default stream */
  cudaLaunchKernel_ptsz((CUfunction)0xf01, 0); /* per-thread default stream */
  cudaEventRecord_ptsz(e1, 0);
  cudaEventQuery(e1);
  cudaStreamSynchronize(s1);
  cudaMemcpyDtoH(host, d, sizeof host);
  cudaDeviceSynchronize();
  if (argc > 1 && strcmp(argv[1], "gemm") == 0) {
    void *lib = dlopen("libcublas_fake.so", RTLD_NOW);
    int (*gemm)(CUstream) = lib ? (int (*)(CUstream))dlsym(lib, "fake_gemm") : NULL;
    if (!gemm || gemm(s2) != 0) {
      fprintf(stderr, "fake_gemm failed\n");
      return 4;
    }
  }
  cudaFree(d);
  void (*report)(FILE *) = (void (*)(FILE *))dlsym(dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD), "fake_cuda_report");
  if (report) report(stdout);
  return 0;
}
