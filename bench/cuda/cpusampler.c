/*
 * A small CPU sampling profiler for machines without `perf` (the GPU machine
 * has none): preload it beside the recorder and it tells how much of the
 * program's CPU time lies inside a given library, and which functions.
 *
 *   cc -O2 -shared -fPIC bench/cuda/cpusampler.c -o cpusampler.so -ldl
 *   LD_PRELOAD="cpusampler.so $LIB" SAMPLER_OUT=prof.txt SAMPLER_LIB=libmpstrace_cuda python3 prog.py
 *
 * Every SAMPLER_US microseconds of process CPU time (default 500; the kernel's
 * tick may make it coarser) the running
 * thread takes SIGPROF and stores its stack (up to 48 return addresses) into a
 * preallocated array: no allocation and no lock in the handler. At exit the
 * samples are symbolized with dladdr and SAMPLER_OUT gets: samples in total,
 * samples with any frame in SAMPLER_LIB (inclusive), with the leaf in it
 * (self), then the top leaf functions and the top SAMPLER_LIB functions on
 * the stack. A bench tool, not part of the recorder.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES 200000
#define DEPTH 48

static void *frames[MAX_SAMPLES][DEPTH];
static unsigned char depth[MAX_SAMPLES];
static atomic_int n_samples;
static timer_t timer;
static int armed;

static void on_prof(int sig) {
  (void)sig;
  int i = atomic_fetch_add(&n_samples, 1);
  if (i >= MAX_SAMPLES) return;
  depth[i] = (unsigned char)backtrace(frames[i], DEPTH);
}

__attribute__((constructor)) static void start(void) {
  if (!getenv("SAMPLER_OUT")) return;
  void *warm[4];
  backtrace(warm, 4); /* loads the unwinder outside the handler */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_prof;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGPROF, &sa, NULL);
  long us = getenv("SAMPLER_US") ? atol(getenv("SAMPLER_US")) : 500;
  /* a POSIX timer, not setitimer: an interval timer outlives execve, and a
     shell wrapper (pyenv's python3) that execs would hand the new image a
     timer whose SIGPROF kills it before this constructor runs there */
  struct sigevent ev;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGPROF;
  if (timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &timer) != 0) return;
  struct itimerspec it = { { us / 1000000, (us % 1000000) * 1000 }, { us / 1000000, (us % 1000000) * 1000 } };
  timer_settime(timer, 0, &it, NULL);
  armed = 1;
}

typedef struct {
  const char *name;
  long n;
} count;

static int by_n(const void *a, const void *b) { return (int)(((const count *)b)->n - ((const count *)a)->n); }

static void bump(count *c, int *nc, int cap, const char *name) {
  for (int j = 0; j < *nc; j++)
    if (c[j].name == name || strcmp(c[j].name, name) == 0) {
      c[j].n++;
      return;
    }
  if (*nc < cap) c[(*nc)++] = (count){ name, 1 };
}

static const char *sym_of(void *pc, const char **lib) {
  Dl_info d;
  if (!dladdr((char *)pc - 1, &d)) return *lib = "?", "?";
  const char *base = d.dli_fname ? strrchr(d.dli_fname, '/') : NULL;
  *lib = base ? base + 1 : (d.dli_fname ? d.dli_fname : "?");
  return d.dli_sname ? d.dli_sname : *lib;
}

/* Stops sampling and writes the report; the program may call it before it
 * exits (bench/cuda/profile_workload.py does, through ctypes): a SIGPROF
 * that lands in exit's teardown, while the loader's lock is held, would
 * deadlock the unwinder in the handler. */
__attribute__((visibility("default"))) void cpusampler_stop(void) {
  const char *out = getenv("SAMPLER_OUT");
  if (!armed) return;
  armed = 0;
  timer_delete(timer);
  signal(SIGPROF, SIG_IGN);
  if (!out || n_samples < 20) return; /* wrappers and short helpers: nothing to say */
  const char *want = getenv("SAMPLER_LIB") ? getenv("SAMPLER_LIB") : "libmpstrace";
  int n = atomic_load(&n_samples);
  if (n > MAX_SAMPLES) n = MAX_SAMPLES;
  static count leaf[4096], inlib[4096], leaflib[256];
  int nleaf = 0, ninlib = 0, nleaflib = 0;
  long incl = 0, self = 0;
  for (int i = 0; i < n; i++) {
    /* frame 0 is the handler, 1 the signal trampoline, 2 the interrupted function */
    int first = depth[i] > 2 ? 2 : 0;
    const char *lib = "?";
    const char *name = depth[i] > first ? sym_of(frames[i][first], &lib) : "?";
    bump(leaf, &nleaf, 4096, name);
    bump(leaflib, &nleaflib, 256, lib);
    if (strstr(lib, want)) self++;
    int hit = 0;
    for (int f = first; f < depth[i]; f++) {
      const char *l2 = "?";
      const char *s2 = sym_of(frames[i][f], &l2);
      if (strstr(l2, want)) {
        if (!hit) bump(inlib, &ninlib, 4096, s2); /* outermost-first is not needed: the innermost frame of the lib */
        hit = 1;
      }
    }
    incl += hit;
  }
  FILE *f = fopen(out, "a");
  if (!f) return;
  char comm[64] = "?";
  FILE *c = fopen("/proc/self/comm", "r");
  if (c) {
    if (fgets(comm, sizeof comm, c)) comm[strcspn(comm, "\n")] = 0;
    fclose(c);
  }
  fprintf(f, "pid=%d comm=%s samples=%d in_%s_inclusive=%ld (%.1f %%) self=%ld (%.1f %%)\n", (int)getpid(), comm, n, want, incl,
          n ? 100.0 * incl / n : 0.0, self, n ? 100.0 * self / n : 0.0);
  qsort(leaflib, (size_t)nleaflib, sizeof(count), by_n);
  fprintf(f, "leaf library:");
  for (int j = 0; j < nleaflib && j < 12; j++) fprintf(f, " %s=%.1f%%", leaflib[j].name, 100.0 * leaflib[j].n / (n ? n : 1));
  fprintf(f, "\n");
  qsort(leaf, (size_t)nleaf, sizeof(count), by_n);
  for (int j = 0; j < nleaf && j < 25; j++) fprintf(f, "  leaf %5.1f %% %s\n", 100.0 * leaf[j].n / (n ? n : 1), leaf[j].name);
  qsort(inlib, (size_t)ninlib, sizeof(count), by_n);
  for (int j = 0; j < ninlib && j < 15; j++) fprintf(f, "  in %s %5.1f %% %s\n", want, 100.0 * inlib[j].n / (n ? n : 1), inlib[j].name);
  fclose(f);
}

__attribute__((destructor)) static void at_exit(void) { cpusampler_stop(); }
