/* drv_stress THREADS PER_THREAD: every thread writes PER_THREAD range_pop
 * records through the annotation API, as fast as it can. Prints the number of
 * records attempted and the wall time. */
#include "mpstrace.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long per_thread;

static void *worker(void *arg) {
  (void)arg;
  for (long i = 0; i < per_thread; i++) mpstrace_range_pop();
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 64;
  per_thread = argc > 2 ? atol(argv[2]) : 100000;
  pthread_t th[1024];
  if (threads > 1024) threads = 1024;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, worker, NULL);
  for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
  printf("emitted=%ld seconds=%.3f\n", (long)threads * per_thread, s);
  return 0;
}
