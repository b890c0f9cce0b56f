/*
 * Hang evidence: a thread wakes every 100 ms (10 ms while it calibrates the
 * clock or maps the file ahead of busy writers) and, for every thread blocked in
 * a host sync longer than MPSTRACE_HANG_MS, writes a heartbeat naming what it
 * waits for. Repeats once per threshold period while the thread stays blocked,
 * so a process killed by a CI timeout leaves "thread T waiting since t on X".
 */
#define _GNU_SOURCE
#include "mpst_internal.h"
#include "mpst_stats.h"

#include <pthread.h>
#include <signal.h>

static void *watchdog_main(void *arg) {
  (void)arg;
  uint32_t gen = G.gen;
  T.depth = 1; /* nothing this thread calls is recorded as program activity */
  mpst_clock_calibrate_start();
  int busy = mpst_prefault_tick();
  int64_t last_scan = 0;
  while (atomic_load(&G.state) == MPST_ON && G.gen == gen) {
    /* 10 ms while the clock is being calibrated or the writers claim chunks
       (mapping the file ahead of them), else 100 ms */
    struct timespec tick = { 0, (busy || mpst_clock_calibrating() ? 10 : 100) * 1000 * 1000 };
    nanosleep(&tick, NULL);
    int calibrating = mpst_clock_calibrating();
    if (calibrating) mpst_clock_calibrate_tick();
    busy = mpst_prefault_tick();
    int64_t now = mpst_now();
    if (now - last_scan < 95 * 1000 * 1000) continue;
    last_scan = now;
    if (!calibrating) mpst_clock_calibrate_tick();
    mpst_stat_add(MPST_STAT_watchdog_ticks, 1);
    for (int i = 0; i < MPST_MAX_THREADS; i++) {
      mpst_thread_slot *s = &mpst_slots[i];
      if (atomic_load_explicit(&s->used, memory_order_relaxed) != 1) continue;
      int64_t since = atomic_load_explicit(&s->blocked_since, memory_order_acquire);
      if (!since || now - since < G.hang_ns) continue;
      if (s->last_heartbeat && now - s->last_heartbeat < G.hang_ns) continue;
      uint64_t target = s->blocked_target;
      uint8_t scope = s->blocked_scope;
      uint32_t api = s->blocked_api;
      /* the blocked call may have returned while we read its fields */
      if (atomic_load_explicit(&s->blocked_since, memory_order_acquire) != since) continue;
      s->last_heartbeat = now;
      mpst_emit_heartbeat_at(now, 0, s->tid, since, target, scope, api);
    }
    mpst_stat_add(MPST_STAT_watchdog_ns, (uint64_t)(mpst_now() - now));
  }
  return NULL;
}

void mpst_watchdog_start(void) {
  pthread_t th;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  /* the watchdog must never take a signal meant for the program */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  if (pthread_create(&th, &attr, watchdog_main, NULL) == 0) {
#ifdef __linux__
    pthread_setname_np(th, "mpstrace-watch");
#endif
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
}
