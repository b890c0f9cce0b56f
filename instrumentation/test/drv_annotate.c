/* Calls the annotation API, with or without a recorder loaded; prints
 * mpstrace_enabled() and the ns per call of a disabled/enabled marker. */
#include "mpstrace.h"
#include <stdio.h>
#include <time.h>

int main(void) {
  mpstrace_slot_acquire(1, 2, 3, 4);
  mpstrace_slot_release(1, 2, 3, 0);
  mpstrace_slot_set_current(1, 2, -1);
  mpstrace_device_sync_begin("x");
  mpstrace_device_sync_end("x");
  mpstrace_intent_record(1, 2);
  mpstrace_intent_wait(1, 2);
  mpstrace_range_push("r");
  mpstrace_range_pop();
  mpstrace_marker("m");
  mpstrace_buffer_access((void *)0x10, 8, 2, MPSTRACE_ACCESS_MODE_READ);
  struct timespec a, b;
  long n = 1000000;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) mpstrace_range_pop();
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n;
  printf("enabled=%d ns_per_call=%.2f\n", mpstrace_enabled(), ns);
  return 0;
}
