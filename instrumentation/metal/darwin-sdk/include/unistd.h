/* Darwin <unistd.h>, only what mpstrace uses. */
#pragma once
#include <sys/types.h>
int close(int);
ssize_t read(int, void *, size_t);
ssize_t write(int, const void *, size_t);
int ftruncate(int, off_t);
pid_t getpid(void);
pid_t getppid(void);
pid_t fork(void);
void _exit(int) __attribute__((noreturn));
int usleep(unsigned int);
char *getcwd(char *, size_t);
int dup(int);
int dup2(int, int);
int getpagesize(void);
