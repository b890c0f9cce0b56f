// ns per intercepted CUDA call: a tight loop of cudaEventRecord+cudaEventQuery
// and one of small kernel launches. Run with and without the recorder
// (run.sh interleaves them); the difference is the hook cost.
#include "benchkit.cuh"
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 200000;
  cudaStream_t s;
  cudaEvent_t e;
  int *d;
  CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  CHECK(cudaMalloc(&d, 4));
  for (int i = 0; i < 1000; i++) tiny<<<1, 32, 0, s>>>(d);
  CHECK(cudaStreamSynchronize(s));

  double t0 = now_ns();
  for (long i = 0; i < n; i++) {
    cudaEventRecord(e, s);
    cudaEventQuery(e);
  }
  double t1 = now_ns();
  CHECK(cudaStreamSynchronize(s));

  // launches: drained every 512 so the launch queue never blocks the loop
  double launch = 0;
  for (long done = 0; done < n; done += 512) {
    double a = now_ns();
    for (int i = 0; i < 512; i++) tiny<<<1, 32, 0, s>>>(d);
    launch += now_ns() - a;
    cudaStreamSynchronize(s);
  }
  long launches = (n + 511) / 512 * 512;
  CHECK(cudaGetLastError());
  printf("ns_per_call_event=%.1f ns_per_call_launch=%.1f\n", (t1 - t0) / (2.0 * n), launch / launches);
  return 0;
}
