/* The recorder's per-call hook cost split into its parts, on this CPU, no GPU
 * (issue 16). Linked against the runtime archive:
 *
 *   cc -O2 -Iinstrumentation/include -Iinstrumentation/runtime bench/cuda/hookparts.c \
 *      instrumentation/build/libmpstrace_runtime.a -ldl -lpthread -o hookparts
 *   MPSTRACE_OUT=/tmp/hp.mpst ./hookparts [N [WARMUP_MS]]
 *
 * Before measuring it writes records for WARMUP_MS (default 250) so the
 * recorder runs as in a program that runs a while: its clock calibrated (the
 * TSC instead of clock_gettime, if it chose it) and its file mapped ahead.
 * Printed: clock_tsc=1 when mpst_now read the TSC, and for reference the
 * raw clock_gettime and rdtsc reads (gettime_raw, rdtsc_raw).
 *
 * Each part runs N times in a loop of its own; ns per call is the best of 5
 * repeats, minus the empty loop's. `hook_like` is the sequence a launch hook
 * runs (enter, call site, clock, kernel name, correlation id, submit record,
 * leave), with the call site of 1 return address (a hit in the thread's
 * 4-entry cache) and of 64 (mostly misses: the process-wide table).
 * record_crc: the record's check (CRC-16) and publishing store alone, on a
 * scratch buffer; submit_record: the whole write into the trace file's
 * mapping (reserve, fields, check; chunk claims, file growth and page faults
 * amortized in, at a far higher record rate than a real program's).
 */
#define _GNU_SOURCE
#include "mpst_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int mpstrace_recorder_stats(char *buf, int n);

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static const char *name_of(const void *k) {
  (void)k;
  return "bench_kernel";
}

static volatile uint64_t sink;
static const void *ras[64];
static long n;

#define PART(label, body)                                                                                                                  \
  static double part_##label(void) {                                                                                                       \
    double best = 1e30;                                                                                                                    \
    for (int rep = 0; rep < 5; rep++) {                                                                                                    \
      double a = now_ns();                                                                                                                 \
      for (long i = 0; i < n; i++) { body; }                                                                                               \
      double d = (now_ns() - a) / (double)n;                                                                                               \
      if (d < best) best = d;                                                                                                              \
    }                                                                                                                                      \
    return best;                                                                                                                           \
  }

PART(empty, sink = sink + (uint64_t)i)
PART(gettime_raw, struct timespec ts_; clock_gettime(CLOCK_MONOTONIC, &ts_); sink = sink + (uint64_t)ts_.tv_nsec)
#if defined(__x86_64__)
#include <x86intrin.h>
PART(rdtsc_raw, sink = sink + __rdtsc())
#else
PART(rdtsc_raw, sink = sink + 0)
#endif
PART(enter_leave, if (mpst_enter()) mpst_leave(); sink = sink + (uint64_t)i)
PART(clock, sink = sink + (uint64_t)mpst_now())
PART(site_hit, sink = sink + mpst_callsite(ras[0]))
PART(site_64, sink = sink + mpst_callsite(ras[i & 63]))
PART(kernel_name, sink = sink + mpst_intern_keyed(ras[i & 63], name_of))
static uint64_t scratch[4];
PART(record_crc, mpst_record_end(scratch, 20, 4, 1, (int64_t)i); sink = sink + scratch[0])
PART(corr, sink = sink + mpst_next_corr())
PART(submit_record, mpst_emit_submit_at((int64_t)i, 1, 7, 3, (uint32_t)i); sink = sink + (uint64_t)i)
PART(
    hook_like_1site, if (mpst_enter()) {
      uint32_t site = mpst_callsite(ras[0]);
      int64_t ts = mpst_now();
      mpst_emit_submit_at(ts, site, 7, mpst_intern_keyed(ras[i & 7], name_of), 0x80000000u | mpst_next_corr());
      mpst_leave();
    })
PART(
    hook_like_64sites, if (mpst_enter()) {
      uint32_t site = mpst_callsite(ras[i & 63]);
      int64_t ts = mpst_now();
      mpst_emit_submit_at(ts, site, 7, mpst_intern_keyed(ras[i & 7], name_of), 0x80000000u | mpst_next_corr());
      mpst_leave();
    })

int main(int argc, char **argv) {
  n = argc > 1 ? atol(argv[1]) : 2000000;
  if (mpst_ensure_init(MPST_BACKEND_CUDA) != 0) {
    fprintf(stderr, "hookparts: recorder not on (set MPSTRACE_OUT)\n");
    return 1;
  }
  for (int i = 0; i < 64; i++) ras[i] = (const char *)(uintptr_t)main + 16 * i + 1;
  double warm_end = now_ns() + (argc > 2 ? atof(argv[2]) : 250) * 1e6;
  while (now_ns() < warm_end)
    for (int i = 0; i < 1000; i++) mpst_emit_submit_at(mpst_now(), 1, 7, 3, (uint32_t)i);
  char stats[2048] = "";
  mpstrace_recorder_stats(stats, sizeof stats);
  const char *tsc = strstr(stats, "clock_tsc=");
  double e = part_empty();
  struct {
    const char *k;
    double (*f)(void);
  } parts[] = {
    { "gettime_raw", part_gettime_raw },
    { "rdtsc_raw", part_rdtsc_raw },
    { "enter_leave", part_enter_leave },
    { "clock", part_clock },
    { "site_hit", part_site_hit },
    { "site_64", part_site_64 },
    { "kernel_name", part_kernel_name },
    { "corr", part_corr },
    { "record_crc", part_record_crc },
    { "submit_record", part_submit_record },
    { "hook_like_1site", part_hook_like_1site },
    { "hook_like_64sites", part_hook_like_64sites },
  };
  printf("clock_tsc=%d empty_loop_ns=%.2f", tsc ? atoi(tsc + 10) : -1, e);
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) printf(" %s_ns=%.2f", parts[i].k, parts[i].f() - e);
  printf("\n");
  mpst_finish(0, 0);
  return 0;
}
