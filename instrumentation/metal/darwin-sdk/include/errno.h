/* Darwin <errno.h>: errno is per thread, behind __error(). */
#pragma once
extern int *__error(void);
#define errno (*__error())
#define EINTR 4
#define EBADF 9
#define ENOMEM 12
#define EINVAL 22
#define EFBIG 27
#define ENOSPC 28
#define ENOSYS 78
