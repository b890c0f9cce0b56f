/* Blocks forever in cudaStreamSynchronize(FAKE_HANG_STREAM) after one launch,
 * like a program whose GPU work never finishes; the test kills it. */
#include "fake_cuda_api.h"
#include <stdio.h>

int main(void) {
  cudaEvent_t e;
  cudaEventCreate(&e);
  cudaEventRecord(e, FAKE_HANG_STREAM);
  printf("blocking\n");
  fflush(stdout);
  cudaStreamSynchronize(FAKE_HANG_STREAM);
  return 0;
}
