/* Darwin <sys/stat.h>, only what mpstrace uses: the 64-bit-inode struct stat;
 * on x86_64 the SDK binds fstat to fstat$INODE64 (arm64 has only that form). */
#pragma once
#include <sys/types.h>
#include <time.h>
struct stat {
  dev_t st_dev;
  mode_t st_mode;
  nlink_t st_nlink;
  ino_t st_ino;
  uid_t st_uid;
  gid_t st_gid;
  dev_t st_rdev;
  struct timespec st_atimespec;
  struct timespec st_mtimespec;
  struct timespec st_ctimespec;
  struct timespec st_birthtimespec;
  off_t st_size;
  blkcnt_t st_blocks;
  blksize_t st_blksize;
  uint32_t st_flags;
  uint32_t st_gen;
  int32_t st_lspare;
  int64_t st_qspare[2];
};
#if defined(__x86_64__)
int fstat(int, struct stat *) __asm("_fstat$INODE64");
int stat(const char *restrict, struct stat *restrict) __asm("_stat$INODE64");
#else
int fstat(int, struct stat *);
int stat(const char *restrict, struct stat *restrict);
#endif
