/* Darwin <sys/types.h>, only what mpstrace uses. */
#pragma once
#include <stdint.h>
#include <stddef.h>
typedef int pid_t;
typedef unsigned int uid_t;
typedef int64_t off_t;  /* always 64-bit on Darwin */
typedef long ssize_t;
typedef unsigned short mode_t;
typedef int32_t dev_t;
typedef uint64_t ino_t; /* 64-bit inodes (__DARWIN_64_BIT_INO_T) */
typedef uint16_t nlink_t;
typedef unsigned int gid_t;
typedef int64_t blkcnt_t;
typedef int32_t blksize_t;
