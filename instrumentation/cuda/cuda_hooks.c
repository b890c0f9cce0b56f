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
  if (!warned++)
    fprintf(stderr, "mpstrace: cannot find the real %s (is libcudart loaded? set MPSTRACE_CUDART=/path/to/libcudart.so)\n", name);
}

/* ---- what each hook records -------------------------------------------- */

static inline int32_t query_result(cudaError_t rc) { return rc == cudaSuccess ? 0 : rc == cudaErrorNotReady ? 1 : rc; }

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
static const char *name_of_pending(const void *k) {
  (void)k;
  return kernel_name(pending_host_func);
}

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

#define HOOK(name, params, args, scope, target, before, after)                                                                             \
  typedef cudaError_t(*name##_fn) params;                                                                                                  \
  static name##_fn real_##name;                                                                                                            \
  MPST_EXPORT cudaError_t name params {                                                                                                    \
    name##_fn real = real_##name;                                                                                                          \
    if (__builtin_expect(!real, 0)) {                                                                                                      \
      real = real_##name = (name##_fn)mpst_cuda_resolve(#name);                                                                            \
      if (!real) return missing(#name), cudaErrorUnknown;                                                                                  \
    }                                                                                                                                      \
    if (!mpst_enter()) return real args;                                                                                                   \
    mpst_cuda_lazy_init();                                                                                                                 \
    uint32_t site = mpst_callsite(__builtin_return_address(0));                                                                            \
    int64_t ts = mpst_now();                                                                                                               \
    (void)before;                                                                                                                          \
    static mpst_str_cache api_;                                                                                                            \
    uint32_t api = 0;                                                                                                                      \
    if (scope) {                                                                                                                           \
      api = mpst_intern_cached(&api_, #name);                                                                                              \
      mpst_emit_sync_begin_at(ts, site, (uint64_t)(target), scope, api);                                                                   \
      mpst_blocking_begin((uint64_t)(target), scope, api);                                                                                 \
    }                                                                                                                                      \
    mpst_cuda_cupti_corr = 0;                                                                                                              \
    cudaError_t rc = real args;                                                                                                            \
    if (scope) {                                                                                                                           \
      mpst_blocking_end();                                                                                                                 \
      mpst_emit_sync_end(site, (uint64_t)(target), scope, api, rc);                                                                        \
      mpst_cuda_after_sync();                                                                                                              \
    }                                                                                                                                      \
    (void)after;                                                                                                                           \
    mpst_leave();                                                                                                                          \
    return rc;                                                                                                                             \
  }
#include "cuda_hooks.def"
#undef HOOK

/* ---- driver entry points (static runtime, cuBLAS/cuDNN launches) -------- */

__thread __attribute__((tls_model("initial-exec"))) uint8_t mpst_cuda_in_drv;
__thread __attribute__((tls_model("initial-exec"))) uint32_t mpst_cuda_drv_corr;
__thread __attribute__((tls_model("initial-exec"))) uint32_t mpst_cuda_rt_live_corr;
uintptr_t mpst_cuda_tool_lo, mpst_cuda_tool_hi;

/* the stream as the runtime hooks write it: CU_STREAM_LEGACY is the legacy
 * default stream (0); in a per-thread variant, 0 is the per-thread stream (2) */
static inline CUstream drv_stream(CUstream s, int pt) {
  if (s == CU_STREAM_LEGACY) return 0;
  return !s && pt ? CU_STREAM_PER_THREAD : s;
}
#define DS(s) drv_stream((s), pt)

typedef int (*cu_get_proc_v2_fn)(const char *, void **, int, unsigned long long, int *);
typedef int (*cu_get_proc_v1_fn)(const char *, void **, int, unsigned long long);
static cu_get_proc_v2_fn real_gpa_v2;
static cu_get_proc_v1_fn real_gpa_v1;

/* a driver function for the recorder's own use (names of kernels), found the
 * way the program found its own: through the real cuGetProcAddress */
static void *driver_fn(const char *name, int version) {
  void *f = NULL;
  if (real_gpa_v2 && real_gpa_v2(name, &f, version, 0, NULL) == 0 && f) return f;
  if (real_gpa_v1 && real_gpa_v1(name, &f, version, 0) == 0 && f) return f;
  f = dlsym(RTLD_DEFAULT, name);
  if (f) return f;
  void *cuda = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
  return cuda ? dlsym(cuda, name) : NULL;
}

/* CUfunction or CUkernel (the runtime launches either through cuLaunchKernel) */
static const char *drv_func_name(const void *f) {
  static cu_kernel_get_name_fn by_func, by_kernel;
  static int looked;
  if (!looked) {
    by_func = (cu_kernel_get_name_fn)driver_fn("cuFuncGetName", 12030);
    by_kernel = (cu_kernel_get_name_fn)driver_fn("cuKernelGetName", 12030);
    looked = 1;
  }
  const char *n = NULL;
  if (by_func && by_func(&n, (void *)f) == 0 && n && *n) return n;
  n = NULL;
  if (by_kernel && by_kernel(&n, (void *)f) == 0 && n && *n) return n;
  static __thread char buf[40];
  snprintf(buf, sizeof buf, "kernel@%p", f);
  return buf;
}

static void on_drv_launch(int64_t ts, uint32_t site, CUresult rc, CUfunction f, CUstream s) {
  uint32_t corr = take_corr();
  mpst_emit_submit_at(ts, site, H(s), mpst_intern_keyed(f, drv_func_name), corr);
  if (rc != 0) mpst_emit_complete_at(ts, site, corr, rc, 0);
}

/* the correlation id for the record of a driver call just made: CUPTI's id of
 * the driver call (set by its driver callback), else of the enclosing runtime
 * call of a static runtime (one record takes it), else our own counter */
static inline void drv_pick_corr(void) {
  uint32_t c = mpst_cuda_drv_corr;
  if (!c && (c = mpst_cuda_rt_live_corr)) mpst_cuda_rt_live_corr = 0;
  mpst_cuda_cupti_corr = c;
}

static int verbose = -1;
static int is_verbose(void) {
  if (verbose < 0) {
    const char *v = getenv("MPSTRACE_VERBOSE");
    verbose = v && *v && strcmp(v, "0") != 0;
  }
  return verbose;
}

/* Calls from CUPTI's own threads and code are not the program's. */
static inline int from_tool(const void *ra) {
  uintptr_t a = (uintptr_t)ra;
  return a >= mpst_cuda_tool_lo && a < mpst_cuda_tool_hi;
}

#define HOOK(...)
#define DWRAP(id, PT_, params, args, scope, target, before, after)                                                                         \
  static CUresult id##_w##PT_ params {                                                                                                     \
    const int pt = PT_;                                                                                                                    \
    (void)pt;                                                                                                                              \
    id##_dfn real = dreal_##id[PT_];                                                                                                       \
    if (from_tool(__builtin_return_address(0)) || !mpst_enter()) return real args;                                                         \
    mpst_cuda_lazy_init();                                                                                                                 \
    uint32_t site = mpst_cuda_driver_site(__builtin_return_address(0), (const void *)id##_w##PT_);                                         \
    int64_t ts = mpst_now();                                                                                                               \
    (void)before;                                                                                                                          \
    static mpst_str_cache api_;                                                                                                            \
    uint32_t api = 0;                                                                                                                      \
    if (scope) {                                                                                                                           \
      api = mpst_intern_cached(&api_, #id);                                                                                                \
      mpst_emit_sync_begin_at(ts, site, (uint64_t)(target), scope, api);                                                                   \
      mpst_blocking_begin((uint64_t)(target), scope, api);                                                                                 \
    }                                                                                                                                      \
    mpst_cuda_drv_corr = 0;                                                                                                                \
    mpst_cuda_in_drv = 1;                                                                                                                  \
    CUresult rc = real args;                                                                                                               \
    mpst_cuda_in_drv = 0;                                                                                                                  \
    if (scope) {                                                                                                                           \
      mpst_blocking_end();                                                                                                                 \
      mpst_emit_sync_end(site, (uint64_t)(target), scope, api, rc);                                                                        \
      mpst_cuda_after_sync();                                                                                                              \
    }                                                                                                                                      \
    drv_pick_corr();                                                                                                                       \
    (void)after;                                                                                                                           \
    mpst_cuda_cupti_corr = 0;                                                                                                              \
    mpst_leave();                                                                                                                          \
    return rc;                                                                                                                             \
  }
#define DHOOK(id, sym, vmin, vmax, params, args, scope, target, before, after)                                                             \
  typedef CUresult(*id##_dfn) params;                                                                                                      \
  static id##_dfn dreal_##id[2];                                                                                                           \
  DWRAP(id, 0, params, args, scope, target, before, after)                                                                                 \
  DWRAP(id, 1, params, args, scope, target, before, after)
#include "cuda_hooks.def"
#undef DHOOK
#undef DWRAP

/* the table the entry-point lookup consults: one row per DHOOK line */
static const struct drv_entry {
  const char *sym, *id;
  int vmin, vmax;
  void *wrapper[2];
  void **real; /* dreal_<id>: [0] legacy, [1] per-thread */
} drv_table[] = {
#define DHOOK(id, sym, vmin, vmax, ...) { sym, #id, vmin, vmax, { (void *)id##_w0, (void *)id##_w1 }, (void **)dreal_##id },
#include "cuda_hooks.def"
#undef DHOOK
};
#undef HOOK

/* What the program gets back for driver function `sym` (version, flags) whose
 * real address is `real`: our wrapper when a table row matches, else `real`.
 * A row keeps the first real address it saw; a different one later (another
 * driver in the process?) is handed back unwrapped rather than misrouted. */
static void *drv_substitute(const char *sym, void *real, int version, unsigned long long flags) {
  if (!sym || !real || !mpst_enabled()) return real;
  int pt = (flags & CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM) != 0;
  for (size_t i = 0; i < sizeof drv_table / sizeof drv_table[0]; i++) {
    const struct drv_entry *e = &drv_table[i];
    if (version < e->vmin || version > e->vmax || strcmp(sym, e->sym) != 0) continue;
    void *expected = NULL;
    if (__atomic_compare_exchange_n(&e->real[pt], &expected, real, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) || expected == real) {
      if (is_verbose()) fprintf(stderr, "mpstrace: driver entry %s (version %d%s) recorded\n", sym, version, pt ? ", per-thread" : "");
      return e->wrapper[pt];
    }
    if (is_verbose()) fprintf(stderr, "mpstrace: driver entry %s (version %d) has a second address; not recorded there\n", sym, version);
    return real;
  }
  return real;
}

static int gpa_v1_wrapper(const char *sym, void **pfn, int version, unsigned long long flags);

static int gpa_v2_wrapper(const char *sym, void **pfn, int version, unsigned long long flags, int *status) {
  int rc = real_gpa_v2(sym, pfn, version, flags, status);
  if (rc != 0 || !pfn || !*pfn || (status && *status != 0)) return rc;
  if (sym && strcmp(sym, "cuGetProcAddress") == 0) {
    /* the lookup function itself, asked for again: keep seeing through it */
    if (version >= 12000) {
      if (!real_gpa_v2 || *pfn == (void *)real_gpa_v2) *pfn = (void *)gpa_v2_wrapper;
    } else {
      if (!real_gpa_v1) real_gpa_v1 = (cu_get_proc_v1_fn)*pfn;
      if (*pfn == (void *)real_gpa_v1) *pfn = (void *)gpa_v1_wrapper;
    }
    return rc;
  }
  *pfn = drv_substitute(sym, *pfn, version, flags);
  return rc;
}

static int gpa_v1_wrapper(const char *sym, void **pfn, int version, unsigned long long flags) {
  int rc = real_gpa_v1(sym, pfn, version, flags);
  if (rc != 0 || !pfn || !*pfn) return rc;
  if (sym && strcmp(sym, "cuGetProcAddress") == 0) {
    if (version >= 12000) {
      if (!real_gpa_v2) real_gpa_v2 = (cu_get_proc_v2_fn)*pfn;
      if (*pfn == (void *)real_gpa_v2) *pfn = (void *)gpa_v2_wrapper;
    } else if (*pfn == (void *)real_gpa_v1) {
      *pfn = (void *)gpa_v1_wrapper;
    }
    return rc;
  }
  *pfn = drv_substitute(sym, *pfn, version, flags);
  return rc;
}

/* Called (through the dlsym interposer below) for every dlsym() on a real
 * library handle: the driver's lookup functions come back wrapped. */
typedef void *(*dlsym_fn)(void *, const char *);
__attribute__((visibility("hidden"), used)) void *mpst_real_dlsym_ptr; /* read by the assembly stub */

__attribute__((visibility("hidden"), used)) void *mpst_dlsym_init(void) {
  void *f = dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.34");
  if (!f) f = dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.2.5");
  __atomic_store_n(&mpst_real_dlsym_ptr, f, __ATOMIC_RELEASE);
  return f;
}

__attribute__((visibility("hidden"), used)) void *mpst_dlsym_handle(void *handle, const char *name) {
  dlsym_fn real = (dlsym_fn)__atomic_load_n(&mpst_real_dlsym_ptr, __ATOMIC_ACQUIRE);
  if (!real) real = (dlsym_fn)mpst_dlsym_init();
  void *f = real ? real(handle, name) : NULL;
  if (!f || !name || name[0] != 'c' || name[1] != 'u') return f;
  void *w = NULL;
  if (strcmp(name, "cuGetProcAddress_v2") == 0) {
    if (!real_gpa_v2) real_gpa_v2 = (cu_get_proc_v2_fn)f;
    if (f == (void *)real_gpa_v2) w = (void *)gpa_v2_wrapper;
  } else if (strcmp(name, "cuGetProcAddress") == 0) {
    if (!real_gpa_v1) real_gpa_v1 = (cu_get_proc_v1_fn)f;
    if (f == (void *)real_gpa_v1) w = (void *)gpa_v1_wrapper;
  }
  if (!w || !mpst_enabled()) return f;
  mpst_set_process_flags(MPST_PROCESS_FLAG_DRIVER_ENTRIES); /* `info` tells "not seen" from "not interceptable" */
  return w;
}

/* dlsym itself. With RTLD_DEFAULT/RTLD_NEXT the answer depends on the caller
 * (glibc reads the return address), so those calls jump on to the real dlsym
 * with the caller's frame untouched; only lookups in a given library handle
 * (how runtimes and libraries find libcuda's cuGetProcAddress) are looked at.
 * x86-64 only; elsewhere the driver-entry path is off. */
#if defined(__x86_64__) && !defined(MPST_NO_DLSYM_HOOK)
__asm__(
    ".text\n"
    ".globl dlsym\n"
    ".type dlsym, @function\n"
    "dlsym:\n"
    "  cmpq $0, %rdi\n"
    "  je 1f\n"
    "  cmpq $-1, %rdi\n"
    "  je 1f\n"
    "  jmp mpst_dlsym_handle\n"
    "1:\n"
    "  movq mpst_real_dlsym_ptr(%rip), %rax\n"
    "  testq %rax, %rax\n"
    "  jnz 2f\n"
    "  pushq %rdi\n"
    "  pushq %rsi\n"
    "  subq $8, %rsp\n"
    "  call mpst_dlsym_init\n"
    "  addq $8, %rsp\n"
    "  popq %rsi\n"
    "  popq %rdi\n"
    "  testq %rax, %rax\n"
    "  jz 3f\n"
    "2:\n"
    "  jmp *%rax\n"
    "3:\n"
    "  ret\n"
    ".size dlsym, .-dlsym\n");
#endif

/* The recorder starts with the process, so a program that never touches CUDA
 * still leaves a valid trace. */
static int find_libcuda(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size, (void)data;
  const char *n = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
  n = n ? n + 1 : info->dlpi_name;
  return n && strncmp(n, "libcuda.so", 10) == 0;
}

/* At exit: was the CUDA driver loaded at all? With no CUDA record in the
 * trace, this tells "no GPU use" from "GPU calls the recorder did not see". */
static void note_driver_loaded(void) {
  mpst_set_process_flags(MPST_PROCESS_FLAG_DRIVER_CHECKED |
                         (dl_iterate_phdr(find_libcuda, NULL) ? MPST_PROCESS_FLAG_CUDA_DRIVER_LOADED : 0));
}

__attribute__((constructor)) static void mpst_cuda_start(void) {
  if (mpst_ensure_init(MPST_BACKEND_CUDA) == 0) mpst_add_shutdown_hook(note_driver_loaded);
}
