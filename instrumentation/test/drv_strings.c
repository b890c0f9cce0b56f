/* drv_strings MAX [SLEEP_MS THREADS]: range_push/range_pop with names of every
 * length from 1 to MAX (distinct strings, so each is a string record of its own
 * size: 3 to MAX/8+3 words); then, after SLEEP_MS, THREADS threads that each
 * write one record and exit. Prints the page faults of that thread phase. */
#include "mpstrace.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static void *one(void *arg) {
  (void)arg;
  mpstrace_range_pop();
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
  struct rusage a, b;
  getrusage(RUSAGE_SELF, &a);
  for (int i = 0; i < threads; i++) {
    pthread_t th;
    if (pthread_create(&th, NULL, one, NULL) == 0) pthread_join(th, NULL);
  }
  getrusage(RUSAGE_SELF, &b);
  printf("thread_phase_minflt=%ld threads=%d\n", b.ru_minflt - a.ru_minflt, threads);
  return 0;
}
