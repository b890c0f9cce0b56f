/* drv_strings MAX [SLEEP_MS THREADS]: range_push/range_pop with names of every
 * length from 1 to MAX (distinct strings, so each is a string record of its own
 * size: 3 to MAX/8+3 words); then, after SLEEP_MS, THREADS threads, one after
 * the other, that each write one record and exit.
 * Prints the page faults the threads took while writing their records. */
#include "mpstrace.h"
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static _Atomic long thread_faults;

/* one record; the page faults this thread took while writing it (RUSAGE_THREAD:
   not the faults of other threads, such as a recorder's own) */
static void *one(void *arg) {
  (void)arg;
  struct rusage a, b;
  getrusage(RUSAGE_THREAD, &a);
  mpstrace_range_pop();
  getrusage(RUSAGE_THREAD, &b);
  thread_faults += b.ru_minflt - a.ru_minflt;
  return NULL;
}

int main(int argc, char **argv) {
  int max = argc > 1 ? atoi(argv[1]) : 1200;
  int sleep_ms = argc > 2 ? atoi(argv[2]) : 0;
  int threads = argc > 3 ? atoi(argv[3]) : 0;
  char *name = malloc((size_t)max + 1);
  for (int len = 1; len <= max; len++) {
    for (int i = 0; i < len; i++) name[i] = (char)('a' + (i * 7 + len) % 26);
    name[len] = 0;
    mpstrace_range_push(name);
    mpstrace_range_pop();
  }
  free(name);
  struct timespec pause = { sleep_ms / 1000, (long)(sleep_ms % 1000) * 1000000 };
  nanosleep(&pause, NULL);
  for (int i = 0; i < threads; i++) {
    pthread_t th;
    if (pthread_create(&th, NULL, one, NULL) == 0) pthread_join(th, NULL);
  }
  printf("thread_record_minflt=%ld threads=%d\n", (long)thread_faults, threads);
  return 0;
}
