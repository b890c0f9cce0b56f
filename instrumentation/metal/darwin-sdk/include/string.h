/* Darwin <string.h>, only what mpstrace uses. */
#pragma once
#include <stddef.h>
void *memcpy(void *restrict, const void *restrict, size_t);
void *memset(void *, int, size_t);
int memcmp(const void *, const void *, size_t);
size_t strlen(const char *);
int strcmp(const char *, const char *);
int strncmp(const char *, const char *, size_t);
char *strstr(const char *, const char *);
char *strerror(int);
char *strtok_r(char *restrict, const char *restrict, char **restrict);
