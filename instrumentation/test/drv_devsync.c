/* An annotated device sync that takes 700 ms, with a short hooked stream
 * sync inside it: the watchdog must keep naming the annotated sync. */
#include "fake_cuda_api.h"
#include "mpstrace.h"
#include <time.h>

int main(void) {
  struct timespec t = { 0, 350 * 1000 * 1000 };
  mpstrace_device_sync_begin("empty_cache");
  nanosleep(&t, NULL);
  cudaStreamSynchronize((cudaStream_t)0x51);
  nanosleep(&t, NULL);
  mpstrace_device_sync_end("empty_cache");
  return 0;
}
