/* drv_spawn: records an event, starts itself with posix_spawn (which execs
 * without going through the recorder's exec hook) as "drv_spawn child", waits,
 * records another event. The child records one event. */
#include "fake_cuda_api.h"
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    cudaEventRecord((cudaEvent_t)0xc1, (cudaStream_t)0x51);
    return 0;
  }
  cudaEventRecord((cudaEvent_t)0xa1, (cudaStream_t)0x51);
  pid_t pid;
  char *args[] = { argv[0], "child", NULL };
  if (posix_spawn(&pid, argv[0], NULL, NULL, args, environ) != 0) return 3;
  int st;
  waitpid(pid, &st, 0);
  cudaEventRecord((cudaEvent_t)0xa2, (cudaStream_t)0x51);
  printf("child=%d\n", (int)pid);
  return 0;
}
