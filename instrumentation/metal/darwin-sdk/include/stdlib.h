/* Darwin <stdlib.h>, only what mpstrace uses. */
#pragma once
#include <stddef.h>
char *getenv(const char *);
int setenv(const char *, const char *, int);
int unsetenv(const char *);
void *malloc(size_t);
void *calloc(size_t, size_t);
void *realloc(void *, size_t);
void free(void *);
void exit(int) __attribute__((noreturn));
void abort(void) __attribute__((noreturn));
int atexit(void (*)(void));
long strtol(const char *restrict, char **restrict, int);
unsigned long strtoul(const char *restrict, char **restrict, int);
#if defined(__x86_64__)
char *realpath(const char *restrict, char *restrict) __asm("_realpath$DARWIN_EXTSN"); /* the SDK's __DARWIN_EXTSN */
#else
char *realpath(const char *restrict, char *restrict);
#endif
