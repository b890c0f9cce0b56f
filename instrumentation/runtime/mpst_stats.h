/*
 * The recorder's own cost, counted on its slow paths only (a new thread, a
 * new chunk, a file growth, a CUPTI buffer, a flush, a watchdog tick), never
 * per record, so counting costs nothing measurable. Benchmarks read the
 * counters in-process through mpstrace_recorder_stats() to say where a slow run's
 * time went (bench/cuda/overhead.py).
 */
#ifndef MPST_STATS_H
#define MPST_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#define MPST_STATS(X)                                                                                                                      \
  X(threads) /* threads that wrote a first record */                                                                                       \
  X(thread_setup_ns) /* their first-record setup: slot, chunk, thread_start, name */                                                       \
  X(chunks) /* chunks claimed */                                                                                                           \
  X(chunk_ns) /* time in claiming them, growth and pre-faulting included */                                                                \
  X(grows) /* file growths (posix_fallocate) */                                                                                            \
  X(grow_ns)                                                                                                                               \
  X(populate_ns) /* MADV_POPULATE_WRITE of claimed chunks */                                                                               \
  X(prefault_bytes) /* mapped ahead of the writers by the watchdog */                                                                      \
  X(prefault_ns)                                                                                                                           \
  X(cupti_buffers) /* CUPTI activity buffers handed back */                                                                                \
  X(cupti_buffer_ns) /* time converting them into complete records */                                                                      \
  X(cupti_records)                                                                                                                         \
  X(cupti_flushes) /* cuptiActivityFlushAll calls made on a program thread */                                                              \
  X(cupti_flush_ns)                                                                                                                        \
  X(cupti_toggles) /* sampled completions: activity switched on or off */                                                                  \
  X(cupti_toggle_ns)                                                                                                                       \
  X(unwinds) /* driver calls whose call site needed a stack walk (no cached layout) */                                                     \
  X(unwind_ns)                                                                                                                             \
  X(watchdog_ticks)                                                                                                                        \
  X(clock_tsc) /* 1 once mpst_now reads the TSC (calibrated), 0 while it reads clock_gettime */                                            \
  X(watchdog_ns)

enum {
#define MPST_STAT_ENUM(name) MPST_STAT_##name,
  MPST_STATS(MPST_STAT_ENUM)
#undef MPST_STAT_ENUM
      MPST_STAT_COUNT
};

extern _Atomic uint64_t mpst_stat[MPST_STAT_COUNT];

/* "name=value ..." into buf (cut at n); returns the length it needed */
int mpstrace_recorder_stats(char *buf, int n);

static inline void mpst_stat_add(int which, uint64_t v) { atomic_fetch_add_explicit(&mpst_stat[which], v, memory_order_relaxed); }

#endif
