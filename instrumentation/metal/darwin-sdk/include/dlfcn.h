/* Darwin <dlfcn.h>, only what mpstrace uses. */
#pragma once
typedef struct dl_info {
  const char *dli_fname;
  void *dli_fbase;
  const char *dli_sname;
  void *dli_saddr;
} Dl_info;
#define RTLD_NEXT ((void *)-1)
#define RTLD_DEFAULT ((void *)-2)
int dladdr(const void *, Dl_info *);
void *dlsym(void *restrict, const char *restrict);
