/* drv_fdclose MODE OUTFILE [RECORDS]: a program that does what daemons, test
 * harnesses and process pools do to their descriptors while the recorder is
 * loaded, then opens a file of its own, writes 6 bytes to it, keeps producing
 * records (so the recorder must grow its trace file) and checks its file.
 *
 * MODE: loop (close 3..soft RLIMIT_NOFILE), closefrom, close_range (libc
 * wrappers), sys_close_range (the raw syscall, which no wrapper sees),
 * dup2 (dup2 /dev/null over every descriptor >= 3 listed in /proc/self/fd),
 * truncate (truncates the trace file, named by MPSTRACE_OUT, to 0 bytes:
 * the recorder's next store into its mapping faults), none (control run).
 * Prints "ok size=6" and exits 0 when its file holds exactly what it wrote;
 * otherwise prints what it found and exits 3. */
#define _GNU_SOURCE
#include "mpstrace.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void dup2_over_all(void) {
  int null = open("/dev/null", O_RDWR);
  int fds[4096], n = 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) && n < 4096) {
    int fd = atoi(e->d_name);
    if (e->d_name[0] != '.' && fd > 2 && fd != null && fd != dirfd(d)) fds[n++] = fd;
  }
  closedir(d);
  for (int i = 0; i < n; i++) dup2(null, fds[i]);
  /* the descriptors now all point at /dev/null; close them like a daemon would */
  for (int i = 0; i < n; i++) close(fds[i]);
  close(null);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "loop";
  const char *path = argc > 2 ? argv[2] : "fdclose.out";
  long records = argc > 3 ? atol(argv[3]) : 2000000;
  for (int i = 0; i < 1000; i++) mpstrace_range_pop(); /* the recorder is running and holds its file */

  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  long maxfd = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536 ? 65536 : (long)rl.rlim_cur;
  if (strcmp(mode, "loop") == 0) {
    for (long fd = 3; fd < maxfd; fd++) close((int)fd);
  } else if (strcmp(mode, "closefrom") == 0) {
    closefrom(3);
  } else if (strcmp(mode, "close_range") == 0) {
    close_range(3, ~0u, 0);
  } else if (strcmp(mode, "sys_close_range") == 0) {
    syscall(SYS_close_range, 3u, ~0u, 0u);
  } else if (strcmp(mode, "dup2") == 0) {
    dup2_over_all();
  } else if (strcmp(mode, "truncate") == 0) {
    const char *trace = getenv("MPSTRACE_OUT");
    if (!trace || truncate(trace, 0) != 0) return 2;
  } else if (strcmp(mode, "none") != 0) {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }

  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    perror(path);
    return 2;
  }
  /* more descriptors, as a program would open after cleaning up */
  int extra[64];
  for (int i = 0; i < 64; i++) extra[i] = open("/dev/null", O_RDONLY);
  if (write(fd, "hello\n", 6) != 6) return 2;
  /* enough records that the recorder grows its file several times */
  for (long i = 0; i < records; i++) mpstrace_range_pop();
  for (int i = 0; i < 64; i++) close(extra[i]);

  struct stat st;
  fstat(fd, &st);
  char buf[16] = { 0 };
  ssize_t got = pread(fd, buf, sizeof buf, 0);
  close(fd);
  if (st.st_size != 6 || got != 6 || memcmp(buf, "hello\n", 6) != 0) {
    printf("damaged size=%lld\n", (long long)st.st_size);
    return 3;
  }
  printf("ok size=6\n");
  return 0;
}
