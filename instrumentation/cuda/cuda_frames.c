/*
 * Call sites of driver calls. A driver wrapper's return address lies inside
 * whatever called the driver: a CUDA library (libcudart, cuBLAS, cuDNN...) or
 * a runtime linked statically into the program (nvcc's default). The call site
 * the user wants is the first frame above that code, so the wrapper walks the
 * stack (the unwinder, eh_frame) and skips frames that belong to
 *   - a CUDA library, known by its file name, or
 *   - the statically linked runtime inside an executable or library, known by
 *     its symbols in .symtab (libcudart_static_<hash>, cuda*, __cuda*,
 *     cudart::*): each address belongs to the nearest symbol at or below it.
 * Objects are classified once, on the first address seen in them (a lock and
 * a file read on that slow path only); lookups after that are lock-free.
 */
#define _GNU_SOURCE
#include "mpst_runtime.h"
#include "cuda_recorder.h"
#include "mpst_stats.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unwind.h>

enum { OBJ_USER = 0, OBJ_CUDA = 1, OBJ_MIXED = 2 };

typedef struct {
  uintptr_t start;
  uint8_t runtime;
} fsym;

typedef struct {
  uintptr_t lo, hi;
  int kind;
  fsym *syms; /* OBJ_MIXED: function symbols by address */
  size_t nsyms;
} obj;

#define MAX_OBJS 64
static obj objs[MAX_OBJS];
static _Atomic int nobjs;
static pthread_mutex_t add_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const cuda_libs[] = {
  "libcuda.so",  "libcudart",   "libcublas", "libcudnn",     "libcupti",   "libnvrtc",         "libcufft",        "libcurand",
  "libcusparse", "libcusolver", "libnccl",   "libnvJitLink", "libnvidia-", "libmpstrace_cuda", "libcaffe2_nvrtc",
};

static int is_cuda_lib(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  for (size_t i = 0; i < sizeof cuda_libs / sizeof cuda_libs[0]; i++)
    if (strncmp(base, cuda_libs[i], strlen(cuda_libs[i])) == 0) return 1;
  return 0;
}

/* a symbol of the CUDA runtime as linked statically (libcudart_static.a) */
static int runtime_symbol(const char *n) {
  if (strncmp(n, "libcudart_static_", 17) == 0 || strncmp(n, "__cudart", 8) == 0 || strncmp(n, "_ZN6cudart", 10) == 0) return 1;
  if (strncmp(n, "__device_stub", 13) == 0) return 0;
  return strncmp(n, "cuda", 4) == 0 || strncmp(n, "__cuda", 6) == 0;
}

static int by_start(const void *a, const void *b) {
  uintptr_t x = ((const fsym *)a)->start, y = ((const fsym *)b)->start;
  return x < y ? -1 : x > y;
}

/* Reads the function symbols of an ELF file; marks the object OBJ_MIXED when
 * some belong to a static CUDA runtime. */
static void read_symbols(obj *o, const char *path, uintptr_t bias) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(Elf64_Ehdr)) {
    close(fd);
    return;
  }
  size_t size = (size_t)st.st_size;
  const uint8_t *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (m == MAP_FAILED) return;
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shoff == 0 ||
      eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > size)
    goto out;
  const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
  for (int i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
    const Elf64_Shdr *strs = &sh[sh[i].sh_link];
    if (sh[i].sh_offset + sh[i].sh_size > size || strs->sh_offset + strs->sh_size > size) continue;
    const Elf64_Sym *sym = (const Elf64_Sym *)(m + sh[i].sh_offset);
    size_t n = sh[i].sh_size / sizeof(Elf64_Sym), k = 0, rt = 0;
    fsym *out = malloc(n * sizeof *out);
    if (!out) break;
    for (size_t j = 0; j < n; j++) {
      if (ELF64_ST_TYPE(sym[j].st_info) != STT_FUNC || sym[j].st_value == 0 || sym[j].st_name >= strs->sh_size) continue;
      const char *name = (const char *)(m + strs->sh_offset + sym[j].st_name);
      out[k].start = bias + sym[j].st_value;
      out[k].runtime = (uint8_t)runtime_symbol(name);
      rt += out[k].runtime;
      k++;
    }
    if (rt == 0) {
      free(out);
      break;
    }
    qsort(out, k, sizeof *out, by_start);
    o->syms = out, o->nsyms = k, o->kind = OBJ_MIXED;
    break;
  }
out:
  munmap((void *)m, size);
}

struct find_ctx {
  uintptr_t pc;
  obj *o;
  char path[4096];
  uintptr_t bias;
};

static int find_obj(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct find_ctx *c = data;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  int hit = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_LOAD) continue;
    uintptr_t a = info->dlpi_addr + p->p_vaddr, b = a + p->p_memsz;
    if (a < lo) lo = a;
    if (b > hi) hi = b;
    if (c->pc >= a && c->pc < b) hit = 1;
  }
  if (!hit) return 0;
  c->o->lo = lo, c->o->hi = hi;
  const char *name = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "/proc/self/exe";
  strncpy(c->path, name, sizeof c->path - 1);
  c->bias = info->dlpi_addr;
  return 1;
}

static const obj *lookup(uintptr_t pc) {
  int n = atomic_load_explicit(&nobjs, memory_order_acquire);
  for (int i = 0; i < n; i++)
    if (pc >= objs[i].lo && pc < objs[i].hi) return &objs[i];
  return NULL;
}

static const obj *classify_slow(uintptr_t pc) {
  pthread_mutex_lock(&add_lock);
  const obj *found = lookup(pc);
  int n = atomic_load(&nobjs);
  if (!found && n < MAX_OBJS) {
    struct find_ctx c = { .pc = pc, .o = &objs[n] };
    memset(&objs[n], 0, sizeof objs[n]);
    if (dl_iterate_phdr(find_obj, &c)) {
      if (is_cuda_lib(c.path)) objs[n].kind = OBJ_CUDA;
      else read_symbols(&objs[n], c.path, c.bias);
      atomic_store_explicit(&nobjs, n + 1, memory_order_release);
      found = &objs[n];
    }
  }
  pthread_mutex_unlock(&add_lock);
  return found;
}

/* 1 when the code at pc is CUDA's (a CUDA library or a static runtime) */
static int in_cuda(uintptr_t pc) {
  const obj *o = lookup(pc);
  if (!o) o = classify_slow(pc);
  if (!o) return 0;
  if (o->kind != OBJ_MIXED) return o->kind == OBJ_CUDA;
  size_t lo = 0, hi = o->nsyms; /* last symbol starting at or below pc */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (o->syms[mid].start <= pc) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && o->syms[lo - 1].runtime;
}

/* in_cuda(pc), remembered per thread for the last few addresses (direct-mapped):
 * the wrapper asks it for its return address and for the user's candidate on
 * every call, and the answer for an address never changes once its object is
 * classified (objects are never forgotten). An entry is written address
 * last, so a signal handler on this thread never sees a torn one. */
#define PC_MEMO 32
static __thread __attribute__((tls_model("initial-exec"))) uintptr_t memo_pc[PC_MEMO];
static __thread __attribute__((tls_model("initial-exec"))) uint8_t memo_cuda[PC_MEMO];

static inline int in_cuda_memo(uintptr_t pc) {
  unsigned i = (unsigned)(((uint64_t)pc * 0x9E3779B97F4A7C15ull) >> 59);
  if (memo_pc[i] == pc && pc) return memo_cuda[i];
  int v = in_cuda(pc);
  if (lookup(pc)) { /* classified: the answer is final */
    memo_pc[i] = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the compiler keeps the three stores, in this order */
    memo_cuda[i] = (uint8_t)v;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    memo_pc[i] = pc;
  }
  return v;
}

#define MAX_FRAMES 48
struct walk {
  uintptr_t pcs[MAX_FRAMES], cfas[MAX_FRAMES];
  int n;
  uintptr_t ra; /* the driver call's return address */
  int past_ra; /* the frame at ra was seen: the next non-CUDA frame ends the walk */
};

static _Unwind_Reason_Code collect(struct _Unwind_Context *ctx, void *data) {
  struct walk *w = data;
  if (w->n >= MAX_FRAMES) return _URC_END_OF_STACK;
  uintptr_t pc = (uintptr_t)_Unwind_GetIP(ctx);
  w->pcs[w->n] = pc;
  w->cfas[w->n] = (uintptr_t)_Unwind_GetCFA(ctx);
  w->n++;
  /* stop at the user's frame: unwinding on through the program's deeper
     frames (Python, libtorch: dozens) cost tens of microseconds per call */
  if (w->past_ra && pc && !in_cuda(pc)) return _URC_END_OF_STACK;
  if (pc == w->ra) w->past_ra = 1;
  return _URC_NO_REASON;
}

/* The top of this thread's stack (once per thread), so the fast path never
 * reads past it. */
static uintptr_t stack_top(void) {
  static __thread uintptr_t top;
  if (!top) {
    pthread_attr_t attr;
    void *lo;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      if (pthread_attr_getstack(&attr, &lo, &size) == 0) top = (uintptr_t)lo + size;
      pthread_attr_destroy(&attr);
    }
  }
  return top;
}

/*
 * Unwinding costs microseconds (7 us on the H200's CPU through cuBLAS and
 * libtorch), too much per call. So each thread remembers the last RECENT user
 * frames it found, by where they lie on the stack: the slot holding the
 * user's return address (into the user's frame) and the slot holding the
 * return address into the outermost CUDA frame (the library function the user
 * called). While that library call is on the stack, and on every later call
 * made from the same user frame at the same depth (a loop), both slots hold
 * exactly those words, whatever the library does below them: reading the two
 * slots back answers without walking. Both must lie in this thread's live
 * stack between this frame and the stack's top (so the reads cannot fault).
 *
 * An earlier cache keyed on (return address, wrapper) and kept the user's
 * slot as a distance from this frame: real cuBLAS reaches one launch by more
 * paths of different depths than it held (7 to 64 stack walks per training
 * step on the H200, 50 to 356 us per step; bench/results/overhead-2026-12-03-2200.txt),
 * and with frames of varying size it could read a stale word as the user's
 * address (test/recorder-driver-entry.test.ts, gemm-two). A stale match here
 * needs both slots to hold, at the same addresses, the words of an earlier
 * call; the word returned is the one the walk found for that layout.
 */
#define RECENT 16
#define RECENT_SPAN (1u << 20) /* a library's frames below the user's stay well under 1 MiB */
typedef struct {
  uintptr_t user_slot, user_pc, inner_slot, inner_pc;
} recent_path;
static __thread recent_path recent[RECENT];
static __thread unsigned recent_next;

static inline int recent_hit(uintptr_t here, uintptr_t top, uintptr_t *user) {
  for (int j = 0; j < RECENT; j++) {
    const recent_path *p = &recent[j];
    if (p->user_slot <= here || p->inner_slot <= here || p->user_slot + 8 > top || p->inner_slot + 8 > top ||
        p->user_slot - here > RECENT_SPAN)
      continue;
    if (*(const uintptr_t *)p->inner_slot == p->inner_pc && *(const uintptr_t *)p->user_slot == p->user_pc) {
      *user = p->user_pc;
      return 1;
    }
  }
  return 0;
}

__attribute__((noinline)) uint32_t mpst_cuda_driver_site(const void *ra, const void *wrapper) {
  (void)wrapper;
  uintptr_t a = (uintptr_t)ra;
  if (!in_cuda_memo(a)) return mpst_callsite(ra); /* the program called the driver itself */
  volatile char anchor = 0;
  uintptr_t here = (uintptr_t)&anchor;
  uintptr_t top = stack_top();
  uintptr_t hit;
  if (top && recent_hit(here, top, &hit)) return mpst_callsite((const void *)hit);
  struct walk w;
  w.n = 0;
  w.ra = a;
  w.past_ra = 0;
  int64_t t0 = mpst_now();
  _Unwind_Backtrace(collect, &w);
  /* the slow path: counted, so a bench can tell a memo that keeps missing */
  mpst_stat_add(MPST_STAT_unwinds, 1);
  mpst_stat_add(MPST_STAT_unwind_ns, (uint64_t)(mpst_now() - t0));
  /* frames up to and including the one at `ra` are ours and CUDA's */
  int i = 0;
  while (i < w.n && w.pcs[i] != a) i++;
  for (i = i < w.n ? i + 1 : 0; i < w.n; i++) {
    if (!w.pcs[i] || in_cuda(w.pcs[i])) continue;
    /* the return address into a frame lies just below the CFA the unwinder
       reports with it (x86-64: the call pushed it there) */
    if (i >= 1 && top) {
      uintptr_t user_slot = w.cfas[i] - 8, inner_slot = w.cfas[i - 1] - 8;
      if (user_slot > here && inner_slot > here && user_slot + 8 <= top && inner_slot + 8 <= top &&
          *(const uintptr_t *)user_slot == w.pcs[i] && *(const uintptr_t *)inner_slot == w.pcs[i - 1])
        recent[recent_next++ % RECENT] = (recent_path){ user_slot, w.pcs[i], inner_slot, w.pcs[i - 1] };
    }
    return mpst_callsite((const void *)w.pcs[i]);
  }
  return mpst_callsite(ra);
}
