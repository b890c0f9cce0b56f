/* ns per read of CLOCK_MONOTONIC (vDSO) and of the TSC on this host, to size
 * the recorder's per-record clock cost. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

static double ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(void) {
  const int n = 5000000;
  struct timespec t;
  double a = ns();
  for (int i = 0; i < n; i++) clock_gettime(CLOCK_MONOTONIC, &t);
  double b = ns();
  uint64_t sum = 0;
#if defined(__x86_64__)
  for (int i = 0; i < n; i++) sum += __rdtsc();
#endif
  double c = ns();
  printf("ns_clock_gettime=%.1f ns_rdtsc=%.1f (%llu)\n", (b - a) / n, (c - b) / n, (unsigned long long)(sum & 1));
  return 0;
}
