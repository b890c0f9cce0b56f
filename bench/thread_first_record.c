/*
 * The recorder's cost of a new thread's first record (issues 10, 16): slot,
 * chunk, thread_start and thread_name, all paid by the first record a thread
 * writes. N threads, one after another, each writes two records
 * (mpstrace_impl_api_current_stream, what the torch layer's stream wrappers
 * write); prints the median and p90 of the first and the second, then the
 * recorder's own counters (threads, thread_setup_ns, chunks, chunk_ns).
 *
 *   cc -O2 -o /tmp/thread_first_record bench/thread_first_record.c -ldl -lpthread
 *   LD_PRELOAD=$PWD/instrumentation/build/libmpstrace_cuda.so MPSTRACE_OUT=/tmp/tfr.mpst /tmp/thread_first_record [N]
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void (*record)(uint64_t stream, uint64_t prev, int32_t device);
static int64_t *first, *second;
static int cur;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void *work(void *arg) {
  (void)arg;
  int64_t a = now_ns();
  record(1, 2, 0);
  int64_t b = now_ns();
  record(1, 2, 0);
  int64_t c = now_ns();
  first[cur] = b - a;
  second[cur] = c - b;
  return NULL;
}

static int cmp(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return a < b ? -1 : a > b;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  if (n < 1) n = 1;
  *(void **)&record = dlsym(RTLD_DEFAULT, "mpstrace_impl_api_current_stream");
  int (*stats)(char *, int);
  *(void **)&stats = dlsym(RTLD_DEFAULT, "mpstrace_recorder_stats");
  if (!record) {
    fprintf(stderr, "no recorder: run with LD_PRELOAD=.../libmpstrace_cuda.so and MPSTRACE_OUT set\n");
    return 1;
  }
  first = calloc((size_t)n, sizeof *first);
  second = calloc((size_t)n, sizeof *second);
  record(0, 0, 0); /* the main thread's own setup, and the file's */
  char before[2048] = "", after[2048] = "";
  if (stats) stats(before, sizeof before);
  for (cur = 0; cur < n; cur++) {
    pthread_t t;
    if (pthread_create(&t, NULL, work, NULL) != 0) return 1;
    pthread_join(t, NULL);
  }
  if (stats) stats(after, sizeof after);
  qsort(first, (size_t)n, sizeof *first, cmp);
  qsort(second, (size_t)n, sizeof *second, cmp);
  printf("threads=%d first_record_us=%.2f first_record_p90_us=%.2f second_record_us=%.3f\n", n, first[n / 2] / 1e3, first[n * 9 / 10] / 1e3,
         second[n / 2] / 1e3);
  if (stats) printf("stats before: %s\nstats after:  %s\n", before, after);
  return 0;
}
