// What the CUDA micro-benches (hookbench.cu, launchcost.cu) share: the kernel
// they launch, the clock they read and the error check, written once so both
// time the same launch the same way.
#pragma once
#include <cuda_runtime.h>
#include <stdio.h>
#include <time.h>

// The smallest kernel that still touches memory: launch cost, not GPU time.
__global__ void tiny(int *p) {
  if (p && threadIdx.x == 0) p[0] += 1;
}

static double now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

// In main(): print the failed call and return 1.
#define CHECK(x)                                                \
  do {                                                          \
    cudaError_t err_ = (x);                                     \
    if (err_ != cudaSuccess) {                                  \
      fprintf(stderr, "%s: %s\n", #x, cudaGetErrorString(err_)); \
      return 1;                                                 \
    }                                                           \
  } while (0)
