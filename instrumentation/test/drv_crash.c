/* drv_crash segv|abort|execfail: records an event, then crashes by SIGSEGV,
 * aborts, or tries to exec a program that does not exist and goes on. */
#include "fake_cuda_api.h"
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "segv";
  cudaEventRecord((cudaEvent_t)0xe1, (cudaStream_t)0x51);
  if (strcmp(what, "segv") == 0) {
    volatile int *p = (volatile int *)(uintptr_t)strtoul("8", NULL, 10); /* a real fault, not raise() */
    *p = 1;
  } else if (strcmp(what, "abort") == 0) {
    abort();
  } else if (strcmp(what, "execfail") == 0) {
    char *args[] = { "/nonexistent/mpst-program", NULL };
    execv(args[0], args);
    cudaEventRecord((cudaEvent_t)0xe2, (cudaStream_t)0x51); /* still recorded */
    return 5;
  }
  return 0;
}
