/*
 * mpst_now(): nanoseconds on CLOCK_MONOTONIC (CLOCK_UPTIME_RAW on macOS).
 *
 * On Linux x86-64 with an invariant TSC, reading the TSC costs less than the
 * vDSO clock_gettime, so once the watchdog thread has measured the TSC rate
 * (after ~20 ms; until then clock_gettime is used) mpst_now converts the TSC
 * with an anchor (tsc, ns, mult). Every second the watchdog re-anchors at the
 * converted value (so time never jumps) and slews the rate to cancel the drift
 * measured against clock_gettime: timestamps stay within microseconds of
 * CLOCK_MONOTONIC, which CUPTI's calibration and other processes rely on.
 * MPSTRACE_CLOCK=gettime keeps clock_gettime; so does a TSC that is not
 * cheaper than clock_gettime here (e.g. trapped in a VM).
 */
#define _GNU_SOURCE
#include "mpst_internal.h"
#include "mpst_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__linux__)
#include <x86intrin.h>
#define MPST_HAVE_TSC 1
#endif

int64_t mpst_clock_monotonic(void) {
#ifdef __APPLE__
  return (int64_t)clock_gettime_nsec_np(CLOCK_UPTIME_RAW);
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
#endif
}

#ifndef MPST_HAVE_TSC
int64_t mpst_now(void) { return mpst_clock_monotonic(); }
void mpst_clock_calibrate_start(void) {}
void mpst_clock_calibrate_tick(void) {}
int mpst_clock_calibrating(void) { return 0; }
#else

typedef struct {
  uint64_t tsc;
  int64_t ns;
  uint64_t mult; /* ns per tick, 32.32 fixed point */
} anchor;

/* two anchors: the writer fills the unused one, then flips `current` */
static anchor anchors[2];
static _Atomic uint32_t current; /* index + 1; 0 = not calibrated yet */

static inline int64_t convert(const anchor *a, uint64_t tsc) {
  return a->ns + (int64_t)(((unsigned __int128)(tsc - a->tsc) * a->mult) >> 32);
}

int64_t mpst_now(void) {
  uint32_t c = atomic_load_explicit(&current, memory_order_acquire);
  if (MPST_UNLIKELY(!c)) return mpst_clock_monotonic();
  return convert(&anchors[c - 1], __rdtsc());
}

/* state of the watchdog-driven calibration (only the watchdog touches it) */
static int cal_state; /* 0 off, 1 measuring, 2 running */
static uint64_t first_tsc;
static int64_t first_ns;
static int64_t last_anchor_ns;

int mpst_clock_calibrating(void) { return cal_state == 1; }

/* a (tsc, ns) pair read as close together as possible */
static void pair(uint64_t *tsc, int64_t *ns) {
  *tsc = 0, *ns = 0;
  int64_t best = INT64_MAX;
  for (int i = 0; i < 5; i++) {
    int64_t a = mpst_clock_monotonic();
    uint64_t t = __rdtsc();
    int64_t b = mpst_clock_monotonic();
    if (b - a < best) best = b - a, *tsc = t, *ns = a + (b - a) / 2;
  }
}

static int tsc_is_invariant(void) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return 0;
  char line[4096];
  int ok = 0;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "flags", 5) == 0) {
      ok = strstr(line, " constant_tsc") && strstr(line, " nonstop_tsc");
      break;
    }
  fclose(f);
  return ok;
}

/* best of several short trials, so a busy machine does not decide it */
static int tsc_is_cheaper(void) {
  int64_t best_gettime = INT64_MAX, best_tsc = INT64_MAX;
  volatile uint64_t sink = 0;
  for (int trial = 0; trial < 20; trial++) {
    int64_t a = mpst_clock_monotonic();
    for (int i = 0; i < 200; i++) sink += (uint64_t)mpst_clock_monotonic();
    int64_t b = mpst_clock_monotonic();
    for (int i = 0; i < 200; i++) sink += __rdtsc();
    int64_t c = mpst_clock_monotonic();
    if (b - a < best_gettime) best_gettime = b - a;
    if (c - b < best_tsc) best_tsc = c - b;
  }
  (void)sink; /* only there so the loops are not optimized away */
  return best_tsc < best_gettime * 3 / 4;
}

void mpst_clock_calibrate_start(void) {
  const char *e = getenv("MPSTRACE_CLOCK");
  if (e && strcmp(e, "gettime") == 0) return;
  if (cal_state || !tsc_is_invariant() || !tsc_is_cheaper()) return;
  pair(&first_tsc, &first_ns);
  cal_state = 1;
}

static void publish(uint64_t tsc, int64_t ns, uint64_t mult) {
  uint32_t c = atomic_load(&current);
  uint32_t next = c == 1 ? 2 : 1;
  anchors[next - 1] = (anchor){ tsc, ns, mult };
  atomic_store_explicit(&current, next, memory_order_release);
}

/* Called by the watchdog every 10 ms while calibrating, then about every 100 ms.
 * The TSC takes over after 20 ms: the pairs' jitter (tens of ns) over that
 * span puts the first rate within a few ppm, microseconds per second, and the
 * re-anchoring every second cancels that drift. */
void mpst_clock_calibrate_tick(void) {
  if (!cal_state) return;
  uint64_t tsc;
  int64_t ns;
  pair(&tsc, &ns);
  if (tsc <= first_tsc || ns <= first_ns) return;
  /* the long-run rate: accurate to the pairs' jitter over the whole run */
  uint64_t mult = (uint64_t)(((unsigned __int128)(uint64_t)(ns - first_ns) << 32) / (tsc - first_tsc));
  if (cal_state == 1) {
    if (ns - first_ns < 20 * 1000 * 1000) return;
    publish(tsc, ns, mult);
    last_anchor_ns = ns;
    cal_state = 2;
    mpst_stat_add(MPST_STAT_clock_tsc, 1);
    return;
  }
  if (ns - last_anchor_ns < 1000 * 1000 * 1000) return;
  last_anchor_ns = ns;
  /* re-anchor where the current conversion is (no jump) and slew the rate so
     the offset measured against clock_gettime is gone within ~1 s */
  const anchor *cur = &anchors[atomic_load(&current) - 1];
  int64_t err = ns - convert(cur, tsc);
  uint64_t tnow = __rdtsc();
  int64_t at = convert(cur, tnow);
  int64_t ticks_per_sec = (int64_t)(((unsigned __int128)1000000000 << 32) / mult);
  int64_t slew = ticks_per_sec > 0 ? (int64_t)(((__int128)err << 32) / ticks_per_sec) : 0;
  int64_t max_slew = (int64_t)(mult / 1000); /* at most 0.1 % */
  if (slew > max_slew) slew = max_slew;
  if (slew < -max_slew) slew = -max_slew;
  publish(tnow, at, (uint64_t)((int64_t)mult + slew));
}
#endif
