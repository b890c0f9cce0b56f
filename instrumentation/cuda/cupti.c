/*
 * GPU completion times through CUPTI (compiled only where cupti.h exists;
 * libcupti is dlopen'ed at run time, so the recorder still loads without it).
 *
 * Correlation: a runtime-API callback stores CUPTI's correlation id of the
 * outermost runtime call in a TLS variable that the hook reads after the real
 * call returns, so submit/memcpy/memset.corr == CUPTI's correlationId and the
 * activity records (kernel, memcpy, memset) become `complete` records with
 * the same corr. Launches made straight through the driver API (cuBLAS,
 * cuDNN), outside any runtime call, are written as `submit` records from a
 * driver-API callback. GPU timestamps are mapped to the host clock with an
 * offset measured at start (and written as clock_calibration records).
 */
#define _GNU_SOURCE
#include "mpst_runtime.h"
#include "cuda_recorder.h"
#include "mpst_stats.h"

#include <cupti.h>
#include <stdatomic.h>
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int mpst_cuda_started;
static int active;
static int64_t gpu_to_host; /* host_ns = gpu_ns + gpu_to_host */
static __thread __attribute__((tls_model("initial-exec"))) int runtime_depth; /* read on every callback */
/* bumped when `pause` turns the callbacks off or on: a thread whose runtime
   call's exit callback was lost to the toggle starts its depth again */
static _Atomic unsigned cb_epoch;
static __thread __attribute__((tls_model("initial-exec"))) unsigned depth_epoch;

#define CUPTI_FNS(X)                                                                                                                       \
  X(cuptiSubscribe)                                                                                                                        \
  X(cuptiEnableCallback)                                                                                                                   \
  X(cuptiActivityRegisterCallbacks)                                                                                                        \
  X(cuptiActivityEnable)                                                                                                                   \
  X(cuptiActivityDisable)                                                                                                                  \
  X(cuptiActivityGetNextRecord)                                                                                                            \
  X(cuptiActivityFlushAll)                                                                                                                 \
  X(cuptiActivityFlushPeriod)                                                                                                              \
  X(cuptiGetTimestamp)
#define DECLARE(f) static __typeof__(&f) p_##f;
CUPTI_FNS(DECLARE)

static void calibrate(void) {
  uint64_t gpu = 0;
  int64_t h0 = mpst_now();
  if (p_cuptiGetTimestamp(&gpu) != CUPTI_SUCCESS) return;
  int64_t h1 = mpst_now();
  int64_t host = h0 + (h1 - h0) / 2;
  gpu_to_host = host - (int64_t)gpu;
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  mpst_emit_clock_calibration(0, host, (int64_t)gpu, (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec);
}

static int is_launch(CUpti_CallbackId cbid) {
  return cbid == CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel || cbid == CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel_ptsz ||
         cbid == CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx || cbid == CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx_ptsz;
}

static void CUPTIAPI on_callback(void *ud, CUpti_CallbackDomain dom, CUpti_CallbackId cbid, const void *data) {
  (void)ud;
  const CUpti_CallbackData *cb = (const CUpti_CallbackData *)data;
  if (dom == CUPTI_CB_DOMAIN_RUNTIME_API) {
    if (cb->callbackSite == CUPTI_API_ENTER) {
      unsigned ep = atomic_load_explicit(&cb_epoch, memory_order_relaxed);
      if (__builtin_expect(depth_epoch != ep, 0)) runtime_depth = 0, depth_epoch = ep;
      if (runtime_depth++ == 0) mpst_cuda_cupti_corr = mpst_cuda_rt_live_corr = cb->correlationId;
    } else if (runtime_depth > 0 && --runtime_depth == 0) {
      mpst_cuda_rt_live_corr = 0;
    }
    return;
  }
  if (dom != CUPTI_CB_DOMAIN_DRIVER_API || cb->callbackSite != CUPTI_API_ENTER) return;
  if (mpst_cuda_in_drv) {
    /* a driver-entry wrapper (cuda_hooks.c) records this call: hand it the id
       its GPU activity will carry, unless a runtime call encloses it */
    if (!runtime_depth) mpst_cuda_drv_corr = cb->correlationId;
    return;
  }
  /* driver API without a wrapper: only launches made outside any runtime
     call (cuBLAS, cuDNN where the driver entry was not wrapped) */
  if (runtime_depth || !is_launch(cbid)) return;
  if (!mpst_enter()) return;
  CUstream s = NULL;
  if (cbid == CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel || cbid == CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel_ptsz)
    s = ((const cuLaunchKernel_params *)cb->functionParams)->hStream;
  else {
    const cuLaunchKernelEx_params *p = (const cuLaunchKernelEx_params *)cb->functionParams;
    s = p->config ? p->config->hStream : NULL;
  }
  uint32_t name = mpst_intern(cb->symbolName ? cb->symbolName : "driver-launch");
  mpst_emit_submit(0, (uint64_t)(uintptr_t)s, name, cb->correlationId);
  mpst_leave();
}

#define BUF_BYTES (1u << 20)
#define BUF_ALIGN 8

static void CUPTIAPI buffer_requested(uint8_t **buf, size_t *size, size_t *max_records) {
  *buf = (uint8_t *)aligned_alloc(BUF_ALIGN, BUF_BYTES);
  *size = *buf ? BUF_BYTES : 0;
  *max_records = 0;
}

static void CUPTIAPI buffer_completed(CUcontext ctx, uint32_t stream, uint8_t *buf, size_t size, size_t valid) {
  (void)ctx, (void)stream, (void)size;
  int64_t t0 = mpst_now();
  uint64_t n = 0;
  CUpti_Activity *rec = NULL;
  while (p_cuptiActivityGetNextRecord(buf, valid, &rec) == CUPTI_SUCCESS) {
    uint64_t start, end;
    uint32_t corr;
    switch (rec->kind) {
      case CUPTI_ACTIVITY_KIND_KERNEL:
      case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: {
        const CUpti_ActivityKernel10 *k = (const CUpti_ActivityKernel10 *)rec;
        start = k->start, end = k->end, corr = k->correlationId;
        break;
      }
      case CUPTI_ACTIVITY_KIND_MEMCPY: {
        const CUpti_ActivityMemcpy6 *m = (const CUpti_ActivityMemcpy6 *)rec;
        start = m->start, end = m->end, corr = m->correlationId;
        break;
      }
      case CUPTI_ACTIVITY_KIND_MEMSET: {
        const CUpti_ActivityMemset4 *m = (const CUpti_ActivityMemset4 *)rec;
        start = m->start, end = m->end, corr = m->correlationId;
        break;
      }
      default: continue;
    }
    mpst_emit_complete_at((int64_t)start + gpu_to_host, 0, corr, 0, (int64_t)(end - start));
    n++;
  }
  free(buf);
  mpst_stat_add(MPST_STAT_cupti_buffers, 1);
  mpst_stat_add(MPST_STAT_cupti_records, n);
  mpst_stat_add(MPST_STAT_cupti_buffer_ns, (uint64_t)(mpst_now() - t0));
}

static void stop_toggles(void);
static void flush_at_exit(void) {
  if (!active) return;
  stop_toggles();
  if (active) p_cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
}

static int find_cupti(struct dl_phdr_info *info, size_t size, void *out) {
  (void)size;
  if (info->dlpi_name && strstr(info->dlpi_name, "libcupti")) {
    snprintf((char *)out, 4096, "%s", info->dlpi_name);
    return 1;
  }
  return 0;
}

static void *open_cupti(void) {
  char path[4096] = "";
  const char *env = getenv("MPSTRACE_CUPTI_LIB");
  if (env && *env) return dlopen(env, RTLD_NOW | RTLD_LOCAL);
  dl_iterate_phdr(find_cupti, path); /* the one PyTorch already loaded, if any */
  void *h = path[0] ? dlopen(path, RTLD_NOW | RTLD_NOLOAD) : NULL;
  static const char *names[] = { "libcupti.so.13", "libcupti.so.12", "libcupti.so", "/usr/local/cuda/extras/CUPTI/lib64/libcupti.so",
                                 "/usr/local/cuda/lib64/libcupti.so" };
  for (size_t i = 0; !h && i < sizeof names / sizeof names[0]; i++) h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  return h;
}

/* CUPTI's own driver calls (from its threads, e.g. when flushing) are not the
 * program's: the driver wrappers pass them through by return address. */
static int tool_range(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size, (void)data;
  if (!info->dlpi_name || !strstr(info->dlpi_name, "libcupti")) return 0;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    if (info->dlpi_phdr[i].p_type != PT_LOAD) continue;
    uintptr_t a = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr, b = a + info->dlpi_phdr[i].p_memsz;
    if (a < lo) lo = a;
    if (b > hi) hi = b;
  }
  mpst_cuda_tool_lo = lo, mpst_cuda_tool_hi = hi;
  return 1;
}
static void note_tool_range(void *h) {
  (void)h;
  dl_iterate_phdr(tool_range, NULL);
}

/* A forked child inherits CUPTI's state but not its threads: never flush there. */
static pthread_mutex_t act_mu;
static int stopping;
static void cupti_child(void) {
  active = 0;
  /* the lock may have been held by the parent's sampler thread, which the child lacks */
  pthread_mutex_init(&act_mu, NULL);
  stopping = 1;
}

/* MPSTRACE_CUPTI_SAMPLE=P (diagnostic, for bench/cuda/overhead.py): GPU
 * activity records only P % of the time (P*10 ms of every second); 0 keeps
 * only the callbacks (correlation ids, driver-API launches), 100 (default)
 * records every completion. MPSTRACE_CUPTI_FLUSH=1: also flush from the program
 * thread after a sync (at most every 50 ms). Off by default: CUPTI's own thread
 * flushes every 100 ms anyway, and on the program thread one flush took ~0.5 ms
 * (62 us per step of a launch-bound transformer loop on the H200, ~1 % of it;
 * bench/results/overhead-2026-12-03-2130.txt). */
static int sample_pct = 100;
static int flush_after_sync = 0;

static int activity_set(int on) {
  static const CUpti_ActivityKind kinds[] = { CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY,
                                              CUPTI_ACTIVITY_KIND_MEMSET };
  int64_t t0 = mpst_now();
  int ok = 1;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    CUptiResult rc = on ? p_cuptiActivityEnable(kinds[i]) : p_cuptiActivityDisable(kinds[i]);
    if (i == 0 && rc != CUPTI_SUCCESS) ok = 0;
  }
  mpst_stat_add(MPST_STAT_cupti_toggles, 1);
  mpst_stat_add(MPST_STAT_cupti_toggle_ns, (uint64_t)(mpst_now() - t0));
  return ok;
}

/* Whether activity records are on follows three things, changed from three
 * threads: the sampler's window, the `pause` annotation, and exit. One lock
 * orders every CUPTI enable/disable: CUPTI is not called from two of them at
 * once, and after `stopping` (exit) never again from the sampler, whose
 * toggles into a CUPTI that the process is tearing down crashed it (SIGSEGV
 * at exit of a sampled run). */
static pthread_mutex_t act_mu = PTHREAD_MUTEX_INITIALIZER;
static int act_on; /* activity records enabled now */
static int act_window = 1; /* the sampler is inside a window (always 1 without sampling) */
static int act_paused; /* `pause` holds completions off */
static int stopping; /* the process is exiting */

/* under act_mu */
static void activity_apply(void) {
  int want = sample_pct > 0 && act_window && !act_paused;
  if (stopping || want == act_on) return;
  activity_set(want);
  act_on = want;
}

static void stop_toggles(void) {
  pthread_mutex_lock(&act_mu);
  stopping = 1;
  pthread_mutex_unlock(&act_mu);
}

static void *sampler_main(void *arg) {
  (void)arg;
  mpst_enter(); /* nothing this thread calls is the program's */
  struct timespec on = { 0, (long)sample_pct * 10 * 1000 * 1000 }, off = { 0, (long)(100 - sample_pct) * 10 * 1000 * 1000 };
  for (int window = 0; mpst_enabled(); window = !window) {
    nanosleep(window ? &off : &on, NULL);
    pthread_mutex_lock(&act_mu);
    int done = stopping;
    act_window = window;
    activity_apply();
    pthread_mutex_unlock(&act_mu);
    if (done) break;
  }
  return NULL;
}

static void start_sampler(void) {
  pthread_t th;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  if (pthread_create(&th, &attr, sampler_main, NULL) == 0) pthread_setname_np(th, "mpstrace-sample");
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
}

/* callbacks only for the calls whose correlation id we need: every other
   runtime call stays free of CUPTI callback cost */
static const CUpti_CallbackId rt[] = {
  CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000,    CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernelExC_v11060,
  CUPTI_RUNTIME_TRACE_CBID_cudaGraphLaunch_v10000,    CUPTI_RUNTIME_TRACE_CBID_cudaMemcpy_v3020,
  CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020,     CUPTI_RUNTIME_TRACE_CBID_cudaMemset_v3020,
  CUPTI_RUNTIME_TRACE_CBID_cudaMemsetAsync_v3020,
#if CUPTI_API_VERSION >= 130000
  CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_v13000,
#endif
};
/* driver launches outside any runtime call (cuBLAS, cuDNN) */
static const CUpti_CallbackId drv[] = { CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel_ptsz,
                                        CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx_ptsz };

/* driver copies, fills and other launches recorded by the driver-entry
   wrappers: the callback only hands them CUPTI's correlation id */
static const CUpti_CallbackId drv_ids[] = {
  CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel,
  CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch,
  CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpy,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpy_ptds,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyAsync,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyAsync_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyHtoD_v2,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyHtoD_v2_ptds,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyDtoH_v2,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyDtoH_v2_ptds,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyDtoD_v2,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyDtoD_v2_ptds,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyHtoDAsync_v2,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyHtoDAsync_v2_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyDtoHAsync_v2,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyDtoHAsync_v2_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyDtoDAsync_v2,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyDtoDAsync_v2_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuMemsetD8_v2,
  CUPTI_DRIVER_TRACE_CBID_cuMemsetD8_v2_ptds,
  CUPTI_DRIVER_TRACE_CBID_cuMemsetD8Async,
  CUPTI_DRIVER_TRACE_CBID_cuMemsetD8Async_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuMemsetD32_v2,
  CUPTI_DRIVER_TRACE_CBID_cuMemsetD32_v2_ptds,
  CUPTI_DRIVER_TRACE_CBID_cuMemsetD32Async,
  CUPTI_DRIVER_TRACE_CBID_cuMemsetD32Async_ptsz,
};
#define N_OF(a) (sizeof a / sizeof a[0])
static CUpti_SubscriberHandle sub;
static int cb_rt, cb_drv;

/* Runtime callbacks (cb_rt) and driver callbacks (cb_drv) on or off; 1 when
   every launch callback took. */
static int callbacks_set(int on) {
  int ok = 1;
  for (size_t i = 0; cb_rt && i < N_OF(rt); i++) ok &= p_cuptiEnableCallback(on, sub, CUPTI_CB_DOMAIN_RUNTIME_API, rt[i]) == CUPTI_SUCCESS;
  for (size_t i = 0; cb_drv && i < N_OF(drv); i++)
    ok &= p_cuptiEnableCallback(on, sub, CUPTI_CB_DOMAIN_DRIVER_API, drv[i]) == CUPTI_SUCCESS;
  for (size_t i = 0; cb_drv && i < N_OF(drv_ids); i++) p_cuptiEnableCallback(on, sub, CUPTI_CB_DOMAIN_DRIVER_API, drv_ids[i]);
  return ok;
}

/* The `pause` annotation's CUPTI part: activity records (completions) and
   callbacks off or on from the calling thread. */
static int cb_paused;
static void on_pause(int parts) {
  if (!active) return;
  int c = (parts & MPST_PAUSE_PART_CALLBACKS) != 0;
  pthread_mutex_lock(&act_mu);
  act_paused = (parts & MPST_PAUSE_PART_COMPLETIONS) != 0;
  activity_apply(); /* sampled: back on only inside a window */
  if (c != cb_paused && !stopping) {
    atomic_fetch_add_explicit(&cb_epoch, 1, memory_order_relaxed);
    callbacks_set(!c);
    cb_paused = c;
  }
  pthread_mutex_unlock(&act_mu);
}

/* MPSTRACE_COMPLETIONS (mpstrace record --completions): which GPU completions
 * CUPTI records. cupti: every kernel, copy and fill (a CUPTI activity record
 * per launch, the driver's per-launch cost); sampled: only inside sampling
 * windows, SAMPLED_PCT % of the time (MPSTRACE_CUPTI_SAMPLE sets the
 * percentage); off: none (CUPTI's callbacks stay: driver-API launches are still
 * covered). MPSTRACE_CUPTI=0 turns CUPTI off altogether. */
#define COMPLETIONS_DEFAULT "cupti"
#define SAMPLED_PCT 5
static int mode_pct(const char *m) {
  return strcmp(m, "sampled") == 0 ? SAMPLED_PCT : strcmp(m, "off") == 0 ? 0 : strcmp(m, "cupti") == 0 ? 100 : -1;
}
static void completions_mode(void) {
  const char *m = getenv("MPSTRACE_COMPLETIONS");
  int p = m && *m ? mode_pct(m) : -1;
  if (m && *m && p < 0)
    fprintf(stderr, "mpstrace: MPSTRACE_COMPLETIONS=%s is not one of cupti, sampled, off: using %s\n", m, COMPLETIONS_DEFAULT);
  sample_pct = p >= 0 ? p : mode_pct(COMPLETIONS_DEFAULT);
}

static int start_cupti(void) {
  completions_mode();
  const char *e = getenv("MPSTRACE_CUPTI_SAMPLE");
  if (e && *e) sample_pct = atoi(e) < 0 ? 0 : atoi(e) > 100 ? 100 : atoi(e);
  e = getenv("MPSTRACE_CUPTI_FLUSH");
  if (e && *e) flush_after_sync = strcmp(e, "0") != 0;
  void *h = open_cupti();
  if (!h) return 0;
#define LOAD(f)                                                                                                                            \
  if (!(p_##f = (__typeof__(&f))dlsym(h, #f))) return 0;
  CUPTI_FNS(LOAD)
  CUptiResult rc = p_cuptiSubscribe(&sub, (CUpti_CallbackFunc)on_callback, NULL);
  if (rc != CUPTI_SUCCESS) {
    fprintf(stderr,
            "mpstrace: CUPTI unavailable (cuptiSubscribe error %d%s); no GPU completion records. "
            "Set MPSTRACE_CUPTI=0 to silence this.\n",
            (int)rc, rc == CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED ? ": another tool, e.g. a profiler, holds it" : "");
    return 0;
  }
  /* MPSTRACE_CUPTI_CB=rt|drv|none (diagnostic, bench/cuda/launchcost.sh):
     only the runtime or only the driver callbacks, or none (then records
     carry the recorder's own ids and no completion joins its submit) */
  e = getenv("MPSTRACE_CUPTI_CB");
  cb_rt = !(e && (strcmp(e, "drv") == 0 || strcmp(e, "none") == 0));
  cb_drv = !(e && (strcmp(e, "rt") == 0 || strcmp(e, "none") == 0));
  for (size_t i = 0; cb_rt && i < N_OF(rt); i++)
    if (p_cuptiEnableCallback(1, sub, CUPTI_CB_DOMAIN_RUNTIME_API, rt[i]) != CUPTI_SUCCESS) return 0;
  if (p_cuptiActivityRegisterCallbacks(buffer_requested, buffer_completed) != CUPTI_SUCCESS) return 0;
  if (sample_pct > 0 && !activity_set(1)) return 0;
  act_on = sample_pct > 0;
  p_cuptiActivityFlushPeriod(100); /* completions reach the file within ~100 ms */
  if (sample_pct > 0 && sample_pct < 100) {
    atexit(stop_toggles); /* before the program's own atexit handlers (registered earlier) tear CUDA down */
    start_sampler();
  }
  calibrate();
  active = 1;
  /* sampled: `info` and `metrics` say that GPU times cover only the windows */
  uint16_t flags = sample_pct == 0     ? 0
                   : sample_pct == 100 ? MPST_PROCESS_FLAG_CUPTI_COMPLETIONS
                                       : MPST_PROCESS_FLAG_CUPTI_COMPLETIONS | MPST_PROCESS_FLAG_COMPLETIONS_SAMPLED;
  int ok = cb_drv;
  for (size_t i = 0; cb_drv && i < N_OF(drv); i++) ok &= p_cuptiEnableCallback(1, sub, CUPTI_CB_DOMAIN_DRIVER_API, drv[i]) == CUPTI_SUCCESS;
  if (ok) flags |= MPST_PROCESS_FLAG_DRIVER_API_COVERED;
  for (size_t i = 0; cb_drv && i < N_OF(drv_ids); i++) p_cuptiEnableCallback(1, sub, CUPTI_CB_DOMAIN_DRIVER_API, drv_ids[i]);
  note_tool_range(h);
  mpst_set_process_flags(flags);
  mpst_add_shutdown_hook(flush_at_exit);
  mpst_set_pause_handler(on_pause);
  on_pause(mpst_paused()); /* paused before CUPTI started */
  pthread_atfork(NULL, NULL, cupti_child);
  return 1;
}

void mpst_cuda_lazy_init_slow(void) {
  static _Atomic int once;
  if (atomic_exchange_explicit(&once, 1, memory_order_acq_rel)) return;
  const char *e = getenv("MPSTRACE_CUPTI");
  if (!(e && strcmp(e, "0") == 0)) start_cupti();
  mpst_cuda_started = 1;
}

void mpst_cuda_after_sync(void) {
  /* MPSTRACE_CUPTI_FLUSH=1: completions of work the sync waited for reach the
     file soon after (else within CUPTI's 100 ms flush period) */
  /* at most every 50 ms in the whole process: a flush costs tens of
     microseconds on the calling program thread, and a per-thread limit let
     every new thread flush at its first sync (4 inference threads per step:
     4 flushes, ~300 us, per 4 ms step) */
  static _Atomic int64_t last;
  if (!active || !flush_after_sync || (mpst_paused() & MPST_PAUSE_PART_FLUSH)) return;
  int64_t now = mpst_now(), prev = atomic_load_explicit(&last, memory_order_relaxed);
  if (now - prev < 50 * 1000 * 1000 || !atomic_compare_exchange_strong(&last, &prev, now)) return;
  p_cuptiActivityFlushAll(0);
  mpst_stat_add(MPST_STAT_cupti_flushes, 1);
  mpst_stat_add(MPST_STAT_cupti_flush_ns, (uint64_t)(mpst_now() - now));
}
