/*
 * The CUDA recorder: wrappers generated from cuda_hooks.def over the real
 * libcudart, found with dlsym(RTLD_NEXT) or, when libcudart was loaded
 * RTLD_LOCAL (Python extension modules), through the loaded library's handle.
 */
#define _GNU_SOURCE
#include "mpst_runtime.h"
#include "cuda_types.h"
#include "cuda_recorder.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MPST_EXPORT __attribute__((visibility("default")))
#define H(x) ((uint64_t)(uintptr_t)(x))
/* _ptsz entry points: stream 0 is the per-thread default stream (handle 2) */
#define PT(s) ((s) ? H(s) : (uint64_t)2)
#define PTS(s) ((s) ? (s) : (cudaStream_t)2)

__thread __attribute__((tls_model("initial-exec"))) uint32_t mpst_cuda_cupti_corr;

/* ---- finding the real functions ---------------------------------------- */

static int find_cudart(struct dl_phdr_info *info, size_t size, void *out) {
  (void)size;
  if (info->dlpi_name && strstr(info->dlpi_name, "libcudart")) {
    snprintf((char *)out, 4096, "%s", info->dlpi_name);
    return 1;
  }
  return 0;
}

void *mpst_cuda_resolve(const char *name) {
  void *f = dlsym(RTLD_NEXT, name);
  if (f) return f;
  static void *cudart;
  if (!cudart) {
    char path[4096] = "";
    const char *env = getenv("MPSTRACE_CUDART");
    if (env && *env) snprintf(path, sizeof path, "%s", env);
    else dl_iterate_phdr(find_cudart, path);
    if (path[0]) cudart = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
    if (!cudart && path[0] && env) cudart = dlopen(path, RTLD_LAZY);
  }
  return cudart ? dlsym(cudart, name) : NULL;
}

static void missing(const char *name) {
  static int warned;
  if (!warned++) fprintf(stderr, "mpstrace: cannot find the real %s (is libcudart loaded? set MPSTRACE_CUDART=/path/to/libcudart.so)\n", name);
}

/* ---- what each hook records -------------------------------------------- */

static inline int32_t query_result(cudaError_t rc) {
  return rc == cudaSuccess ? 0 : rc == cudaErrorNotReady ? 1 : rc;
}

/* CUPTI's correlation id of the call just made (set by its runtime-API
 * callback, so submit.corr joins CUPTI's activity records), else our own
 * counter with the top bit set so the two never collide. */
static inline uint32_t take_corr(void) {
  uint32_t c = mpst_cuda_cupti_corr;
  mpst_cuda_cupti_corr = 0;
  return c ? c : 0x80000000u | mpst_next_corr();
}

static void on_stream_create(int64_t ts, uint32_t site, cudaError_t rc, cudaStream_t *s, unsigned flags, int prio) {
  if (rc == cudaSuccess && s) mpst_emit_stream_create_at(ts, site, H(*s), flags, prio);
}

static void on_event_create(int64_t ts, uint32_t site, cudaError_t rc, cudaEvent_t *e, unsigned flags) {
  if (rc == cudaSuccess && e) mpst_emit_event_create_at(ts, site, H(*e), flags, !(flags & cudaEventDisableTiming));
}

static void on_elapsed(uint32_t site, cudaError_t rc, float *ms, cudaEvent_t a, cudaEvent_t b) {
  int64_t ns = rc == cudaSuccess && ms ? (int64_t)((double)*ms * 1e6) : -1;
  mpst_emit_elapsed_end(site, H(a), H(b), ns, rc);
}

typedef cudaError_t (*func_get_name_fn)(const char **, const void *);

static const char *kernel_name(const void *f) {
  static func_get_name_fn get;
  static int looked;
  if (!looked) get = (func_get_name_fn)mpst_cuda_resolve("cudaFuncGetName"), looked = 1;
  const char *n = NULL;
  if (get && get(&n, f) == cudaSuccess && n && *n) return n;
  Dl_info info; /* the host stub carries the kernel's (mangled) name */
  if (dladdr(f, &info) && info.dli_sname) return info.dli_sname;
  static __thread char buf[40];
  snprintf(buf, sizeof buf, "kernel@%p", f);
  return buf;
}

static void on_launch(int64_t ts, uint32_t site, cudaError_t rc, const void *f, cudaStream_t s) {
  uint32_t corr = take_corr();
  mpst_emit_submit_at(ts, site, H(s), mpst_intern_keyed(f, kernel_name), corr);
  if (rc != cudaSuccess) mpst_emit_complete_at(ts, site, corr, rc, 0); /* nothing reached the GPU */
}

/* cudaKernel_t handles: named by the host function they were obtained for
 * (passed through TLS into the keyed interning), else by cuKernelGetName. */
static __thread const void *pending_host_func;
static const char *name_of_pending(const void *k) { (void)k; return kernel_name(pending_host_func); }

static void on_get_kernel(cudaError_t rc, void **k, const void *f) {
  if (rc != cudaSuccess || !k || !*k) return;
  pending_host_func = f;
  mpst_intern_keyed(*k, name_of_pending);
}

typedef int (*cu_kernel_get_name_fn)(const char **, void *);

static const char *kernel_handle_name(const void *k) {
  static cu_kernel_get_name_fn get;
  static int looked;
  if (!looked) {
    get = (cu_kernel_get_name_fn)dlsym(RTLD_DEFAULT, "cuKernelGetName");
    void *cuda = get ? NULL : dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
    if (cuda) get = (cu_kernel_get_name_fn)dlsym(cuda, "cuKernelGetName");
    looked = 1;
  }
  const char *n = NULL;
  if (get && get(&n, (void *)k) == 0 && n && *n) return n;
  static __thread char buf[40];
  snprintf(buf, sizeof buf, "kernel@%p", k);
  return buf;
}

static void on_launch_kernel(int64_t ts, uint32_t site, cudaError_t rc, void *k, cudaStream_t s) {
  uint32_t corr = take_corr();
  mpst_emit_submit_at(ts, site, H(s), mpst_intern_keyed(k, kernel_handle_name), corr);
  if (rc != cudaSuccess) mpst_emit_complete_at(ts, site, corr, rc, 0);
}

static void on_graph_launch(int64_t ts, uint32_t site, cudaError_t rc, cudaGraphExec_t g, cudaStream_t s) {
  static mpst_str_cache name;
  (void)g;
  uint32_t corr = take_corr();
  mpst_emit_submit_at(ts, site, H(s), mpst_intern_cached(&name, "cudaGraphLaunch"), corr);
  if (rc != cudaSuccess) mpst_emit_complete_at(ts, site, corr, rc, 0);
}

static void on_memcpy(int64_t ts, uint32_t site, cudaError_t rc, void *d, const void *src, size_t n, cudaStream_t s, int kind, int async) {
  uint32_t corr = take_corr();
  mpst_emit_memcpy_at(ts, site, H(d), H(src), n, H(s), corr, (uint8_t)(kind >= 0 && kind <= 4 ? kind : 4), (uint8_t)async);
  if (rc != cudaSuccess) mpst_emit_complete_at(ts, site, corr, rc, 0);
}

static void on_memset(int64_t ts, uint32_t site, cudaError_t rc, void *d, size_t n, cudaStream_t s, int async) {
  uint32_t corr = take_corr();
  mpst_emit_memset_at(ts, site, H(d), n, H(s), corr, (uint8_t)async);
  if (rc != cudaSuccess) mpst_emit_complete_at(ts, site, corr, rc, 0);
}

static void on_alloc(int64_t ts, uint32_t site, cudaError_t rc, void **p, size_t n, uint64_t s, uint8_t mem) {
  if (rc == cudaSuccess && p) mpst_emit_alloc_at(ts, site, H(*p), n, s, mem);
}

/* ---- the wrappers ------------------------------------------------------------ */

#define HOOK(name, params, args, scope, target, before, after)                              \
  typedef cudaError_t(*name##_fn) params;                                                   \
  static name##_fn real_##name;                                                             \
  MPST_EXPORT cudaError_t name params {                                                     \
    name##_fn real = real_##name;                                                           \
    if (__builtin_expect(!real, 0)) {                                                       \
      real = real_##name = (name##_fn)mpst_cuda_resolve(#name);                             \
      if (!real) return missing(#name), cudaErrorUnknown;                                   \
    }                                                                                       \
    if (!mpst_enter()) return real args;                                                    \
    mpst_cuda_lazy_init();                                                                  \
    uint32_t site = mpst_callsite(__builtin_return_address(0));                             \
    int64_t ts = mpst_now();                                                                \
    (void)before;                                                                           \
    static mpst_str_cache api_;                                                             \
    uint32_t api = 0;                                                                       \
    if (scope) {                                                                            \
      api = mpst_intern_cached(&api_, #name);                                               \
      mpst_emit_sync_begin_at(ts, site, (uint64_t)(target), scope, api);                    \
      mpst_blocking_begin((uint64_t)(target), scope, api);                                  \
    }                                                                                       \
    mpst_cuda_cupti_corr = 0;                                                               \
    cudaError_t rc = real args;                                                             \
    if (scope) {                                                                            \
      mpst_blocking_end();                                                                  \
      mpst_emit_sync_end(site, (uint64_t)(target), scope, api, rc);                         \
      mpst_cuda_after_sync();                                                               \
    }                                                                                       \
    (void)after;                                                                            \
    mpst_leave();                                                                           \
    return rc;                                                                              \
  }
#include "cuda_hooks.def"
#undef HOOK

/* The recorder starts with the process, so a program that never touches CUDA
 * still leaves a valid trace. */
__attribute__((constructor)) static void mpst_cuda_start(void) { mpst_ensure_init(MPST_BACKEND_CUDA); }
