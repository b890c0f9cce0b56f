/* drv_fork_exec: records an event, forks a child that records its own event,
 * waits for it, then execs itself as "drv_fork_exec exec" which records one
 * more event and exits 7. */
#include "fake_cuda_api.h"
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "exec") == 0) {
    cudaEventRecord((cudaEvent_t)0xe3, (cudaStream_t)0x53);
    return 7;
  }
  cudaEventRecord((cudaEvent_t)0xe1, (cudaStream_t)0x51);
  pid_t pid = fork();
  if (pid == 0) {
    cudaEventRecord((cudaEvent_t)0xe2, (cudaStream_t)0x52);
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  char *args[] = { argv[0], "exec", NULL };
  execv(argv[0], args);
  return 99; /* exec failed */
}
