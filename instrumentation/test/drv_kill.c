/* drv_kill PROGRESS_FILE THREADS: each thread t records cudaEventRecord(event
 * = i, stream = t+1) for i = 0, 1, ... forever, and after each call returns
 * stores i into slot t of PROGRESS_FILE (mapped MAP_SHARED), so a test that
 * SIGKILLs it knows which records had completed. */
#include "fake_cuda_api.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile int64_t *progress;

static void *worker(void *arg) {
  uintptr_t t = (uintptr_t)arg;
  for (int64_t i = 0;; i++) {
    cudaEventRecord((cudaEvent_t)(uintptr_t)i, (cudaStream_t)(t + 1));
    __atomic_store_n(&progress[t], i, __ATOMIC_RELEASE);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int threads = atoi(argv[2]);
  int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ftruncate(fd, 4096) != 0) return 2;
  progress = (volatile int64_t *)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  for (int t = 0; t < threads && t < 512; t++) progress[t] = -1;
  pthread_t th;
  for (int t = 1; t < threads; t++) pthread_create(&th, NULL, worker, (void *)(uintptr_t)t);
  worker((void *)0);
  return 0;
}
