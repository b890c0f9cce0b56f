// A two-stage batch pipeline: each batch is uploaded on a copy stream,
// scaled on a compute stream and downloaded on the copy stream again.
// Written as such code often is, with two stream bugs that nothing reports
// at run time (the results here usually come out right anyway):
//   1. Pipeline::upload records `uploaded` on the compute stream instead of
//      the copy stream, so Pipeline::process's wait on it waits for nothing:
//      the kernel may read a batch whose upload has not finished.
//   2. Pipeline::sync is meant to wait for all GPU work but synchronizes only
//      the compute stream; the last download is still running on the copy
//      stream when it returns and the host reads the results.
// The mpstrace.h annotation names what sync() is meant to do (a no-op when
// the recorder is not loaded).
//
// Built twice on the GPU machine (traces/README.md): with nvcc's defaults
// (libcudart linked statically) and with --cudart shared; both with -g.
#include <cuda_runtime.h>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include "mpstrace.h"

#define CHECK(x)                                                                        \
  do {                                                                                  \
    cudaError_t err_ = (x);                                                             \
    if (err_ != cudaSuccess) {                                                          \
      std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(err_)); \
      std::exit(1);                                                                     \
    }                                                                                   \
  } while (0)

__global__ void scale(float *x, size_t n, float a, int rounds) {
  size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
  if (i >= n) return;
  float v = x[i];
  for (int r = 0; r < rounds; r++) v = v * a + 1e-7f * r; // enough work to overlap with the copies
  x[i] = v;
}

class Pipeline {
 public:
  explicit Pipeline(size_t n) : n_(n) {
    CHECK(cudaStreamCreateWithFlags(&copy_, cudaStreamNonBlocking));
    CHECK(cudaStreamCreateWithFlags(&compute_, cudaStreamNonBlocking));
    CHECK(cudaEventCreateWithFlags(&uploaded_, cudaEventDisableTiming));
    CHECK(cudaEventCreateWithFlags(&scaled_, cudaEventDisableTiming));
    CHECK(cudaMalloc(&dev_, n_ * sizeof(float)));
  }
  ~Pipeline() {
    cudaFree(dev_);
    cudaEventDestroy(uploaded_);
    cudaEventDestroy(scaled_);
    cudaStreamDestroy(copy_);
    cudaStreamDestroy(compute_);
  }

  void upload(const float *host) {
    CHECK(cudaMemcpyAsync(dev_, host, n_ * sizeof(float), cudaMemcpyHostToDevice, copy_));
    CHECK(cudaEventRecord(uploaded_, compute_)); // BUG: the upload runs on copy_
  }

  void process(float a) {
    CHECK(cudaStreamWaitEvent(compute_, uploaded_, 0));
    unsigned blocks = (unsigned)((n_ + 255) / 256);
    scale<<<blocks, 256, 0, compute_>>>(dev_, n_, a, 64);
    CHECK(cudaGetLastError());
    CHECK(cudaEventRecord(scaled_, compute_));
  }

  void download(float *host) {
    CHECK(cudaStreamWaitEvent(copy_, scaled_, 0));
    CHECK(cudaMemcpyAsync(host, dev_, n_ * sizeof(float), cudaMemcpyDeviceToHost, copy_));
  }

  // Waits for all work of the pipeline... or so its author thought.
  void sync() {
    mpstrace_device_sync_begin("Pipeline::sync");
    CHECK(cudaStreamSynchronize(compute_)); // BUG: copy_ is not synchronized
    mpstrace_device_sync_end("Pipeline::sync");
  }

 private:
  size_t n_;
  cudaStream_t copy_, compute_;
  cudaEvent_t uploaded_, scaled_;
  float *dev_;
};

int main(int argc, char **argv) {
  int batches = argc > 1 ? std::atoi(argv[1]) : 6;
  const size_t n = size_t(16) << 20; // 64 MiB per batch: the download takes a while
  float *in, *out;
  CHECK(cudaMallocHost(&in, n * sizeof(float)));
  CHECK(cudaMallocHost(&out, n * sizeof(float)));
  for (size_t i = 0; i < n; i++) in[i] = 1.0f;

  Pipeline p(n);
  double checksum = 0;
  for (int b = 0; b < batches; b++) {
    p.upload(in);
    p.process(1.0f + b * 0.001f);
    p.download(out);
    p.sync();
    checksum += out[n - 1]; // read right after sync(): may be the old value
  }
  CHECK(cudaDeviceSynchronize());
  std::printf("streams_bug: %d batches, checksum %.3f\n", batches, checksum);
  cudaFreeHost(in);
  cudaFreeHost(out);
  return 0;
}
