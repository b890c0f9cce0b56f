/* drv_clock MS: for MS milliseconds, records cudaEventRecord(event = its own
 * CLOCK_MONOTONIC reading in ns, stream = 1) about every 200 us, so a test can
 * compare the recorder's timestamps with the system clock. */
#include "fake_cuda_api.h"
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static int64_t now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(int argc, char **argv) {
  int64_t end = now() + (int64_t)(argc > 1 ? atol(argv[1]) : 1500) * 1000000;
  struct timespec pause = { 0, 200 * 1000 };
  for (int64_t t; (t = now()) < end;) {
    cudaEventRecord((cudaEvent_t)(uintptr_t)t, (cudaStream_t)1);
    nanosleep(&pause, NULL);
  }
  return 0;
}
