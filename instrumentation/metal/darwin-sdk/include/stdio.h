/* Darwin <stdio.h>, only what mpstrace uses. */
#pragma once
#include <stdarg.h>
#include <stddef.h>
typedef struct __sFILE FILE;
extern FILE *__stderrp;
#define stderr __stderrp
#define EOF (-1)
int fprintf(FILE *restrict, const char *restrict, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *restrict, size_t, const char *restrict, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *restrict, size_t, const char *restrict, va_list) __attribute__((format(printf, 3, 0)));
int fputc(int, FILE *);
int fputs(const char *restrict, FILE *restrict);
