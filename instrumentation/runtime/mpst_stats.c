/* Reading the slow-path counters of mpst_stats.h from outside (ctypes). */
#include "mpst_internal.h"
#include "mpst_stats.h"

#include <stdio.h>

_Atomic uint64_t mpst_stat[MPST_STAT_COUNT];

/* Writes "name=value name=value ..." into buf (NUL-terminated, cut at n);
 * returns the length it needed. */
MPST_EXPORT int mpstrace_recorder_stats(char *buf, int n) {
  static const char *const names[] = {
#define MPST_STAT_NAME(name) #name,
    MPST_STATS(MPST_STAT_NAME)
#undef MPST_STAT_NAME
  };
  int len = 0;
  for (int i = 0; i < MPST_STAT_COUNT; i++) {
    int room = n - len > 0 ? n - len : 0;
    len += snprintf(buf ? buf + len : NULL, (size_t)room, "%s%s=%llu", i ? " " : "", names[i],
                    (unsigned long long)atomic_load_explicit(&mpst_stat[i], memory_order_relaxed));
  }
  return len;
}
