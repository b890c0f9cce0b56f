/* drv_threads THREADS RECORDS [ROUNDS [cuda]]: starts THREADS threads that all live
 * at the same time (a barrier holds them), each writes RECORDS range_pop
 * records (or, with `cuda`, RECORDS cudaEventRecord + cudaStreamSynchronize
 * pairs through the hooked stand-in libcudart), then they exit; ROUNDS times over. Prints the wall
 * time. Used to find slowdowns that depend on the number of live threads
 * (the recorder keeps a fixed table of per-thread slots). */
#include "mpstrace.h"
#include "fake_cuda_api.h"
#include <string.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long records;
static int use_cuda;
static pthread_barrier_t start;

static void *worker(void *arg) {
  (void)arg;
  pthread_barrier_wait(&start);
  if (use_cuda) {
    for (long i = 0; i < records; i++) {
      cudaEventRecord((cudaEvent_t)0xe1, (cudaStream_t)0x51);
      cudaStreamSynchronize((cudaStream_t)0x51);
    }
  } else {
    for (long i = 0; i < records; i++) mpstrace_range_pop();
  }
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2000;
  records = argc > 2 ? atol(argv[2]) : 100;
  int rounds = argc > 3 ? atoi(argv[3]) : 1;
  use_cuda = argc > 4 && strcmp(argv[4], "cuda") == 0;
  pthread_t *th = calloc((size_t)threads, sizeof *th);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  int started = 0;
  for (int r = 0; r < rounds; r++) {
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    for (int i = 0; i < threads; i++) {
      if (pthread_create(&th[i], &attr, worker, NULL) != 0) {
        fprintf(stderr, "drv_threads: could only start %d threads\n", i);
        return 2;
      }
      started++;
    }
    pthread_barrier_wait(&start);
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
  printf("threads=%d records=%ld rounds=%d seconds=%.3f\n", threads, records, rounds, s);
  return 0;
}
