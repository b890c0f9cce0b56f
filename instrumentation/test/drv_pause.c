/* The `pause` annotation: launches and syncs before, while and after parts of
 * the recorder are paused, on the main thread and on a thread started while
 * paused. Kernels are named by phase (mpst_k_before, mpst_k_paused, ...), so
 * the test can tell which phase each record came from; the stand-in's call
 * counts show every call went through. Prints "prev <n>" for each pause call. */
#include "fake_cuda_api.h"
#include "mpstrace.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

void mpst_k_before(void) {}
void mpst_k_paused(void) {}
void mpst_k_paused_thread(void) {}
void mpst_k_flush_only(void) {}
void mpst_k_after(void) {}

static cudaStream_t s;

static void step(void (*k)(void)) {
  dim3 g = { 1, 1, 1 }, b = { 32, 1, 1 };
  cudaLaunchKernel((const void *)k, g, b, NULL, 0, s);
  cudaStreamSynchronize(s);
}

static void *thread_main(void *arg) {
  (void)arg;
  step(mpst_k_paused_thread);
  return NULL;
}

int main(void) {
  cudaStreamCreate(&s);
  step(mpst_k_before);
  printf("prev %d\n", mpstrace_pause(MPSTRACE_PAUSE_PART_ALL));
  step(mpst_k_paused);
  mpstrace_marker("not written");
  pthread_t th;
  pthread_create(&th, NULL, thread_main, NULL);
  pthread_join(th, NULL);
  printf("prev %d\n", mpstrace_pause(MPSTRACE_PAUSE_PART_FLUSH | MPSTRACE_PAUSE_PART_COMPLETIONS));
  step(mpst_k_flush_only);
  printf("prev %d\n", mpstrace_pause(0));
  printf("prev %d\n", mpstrace_pause(0));
  step(mpst_k_after);
  fake_cudart_report(stdout);
  return 0;
}
