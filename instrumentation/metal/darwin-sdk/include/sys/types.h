/* Darwin <sys/types.h>, only what mpstrace uses. */
#pragma once
#include <stdint.h>
#include <stddef.h>
typedef int pid_t;
typedef unsigned int uid_t;
typedef int64_t off_t;  /* always 64-bit on Darwin */
typedef long ssize_t;
typedef unsigned short mode_t;
