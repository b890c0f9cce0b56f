/* drv_bench N [WARMUP_MS]: ns per call of cudaEventRecord+cudaEventQuery pairs
 * and of cudaLaunchKernel against the stand-in libcudart (CPU-only hook cost).
 * WARMUP_MS: calls made for that long before timing, so a recorder's clock is
 * calibrated and its file mapped ahead as in a program that runs a while. */
#include "fake_cuda_api.h"
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

void bench_kernel(void) {}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  cudaEvent_t e;
  cudaStream_t s;
  cudaEventCreate(&e);
  cudaStreamCreate(&s);
  dim3 g = { 1, 1, 1 }, b = { 32, 1, 1 };
  for (long i = 0; i < 1000; i++) cudaEventRecord(e, s), cudaEventQuery(e); /* warm up */
  double warm_end = now_ns() + (argc > 2 ? atof(argv[2]) : 0) * 1e6;
  while (now_ns() < warm_end)
    for (int i = 0; i < 1000; i++) cudaEventRecord(e, s), cudaEventQuery(e);
  double t0 = now_ns();
  for (long i = 0; i < n; i++) {
    cudaEventRecord(e, s);
    cudaEventQuery(e);
  }
  double t1 = now_ns();
  for (long i = 0; i < n; i++) cudaLaunchKernel((const void *)bench_kernel, g, b, NULL, 0, s);
  double t2 = now_ns();
  printf("ns_per_call_event=%.2f ns_per_call_launch=%.2f\n", (t1 - t0) / (2.0 * n), (t2 - t1) / n);
  return 0;
}
