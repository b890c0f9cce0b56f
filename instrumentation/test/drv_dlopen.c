/* drv_dlopen DIR: dlopen DIR/libfake_user.so RTLD_LOCAL (it pulls in the
 * stand-in libcudart) and record one event through it. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv) {
  char path[4096];
  snprintf(path, sizeof path, "%s/libfake_user.so", argc > 1 ? argv[1] : ".");
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "%s\n", dlerror());
    return 2;
  }
  int (*rec)(uint64_t, uint64_t) = (int (*)(uint64_t, uint64_t))dlsym(h, "user_record");
  void (*report)(FILE *) = (void (*)(FILE *))dlsym(h, "fake_cudart_report");
  int rc = rec(0xe7, 0x57);
  printf("rc=%d\n", rc);
  if (report) report(stdout);
  return 0;
}
