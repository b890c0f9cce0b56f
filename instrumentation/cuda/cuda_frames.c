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

/* 1 when pc lies in an already classified object and outside CUDA's code:
 * what a value read from a remembered stack slot must be before it is taken
 * for the user's return address. A slot can hold a stale word from an
 * earlier, differently laid out call (another way's inner slot can match by
 * such a stale copy); a word in no known object is rejected without the slow
 * classification (a new object is classified by the unwinding path). */
static int user_code(uintptr_t pc) {
  unsigned i = (unsigned)(((uint64_t)pc * 0x9E3779B97F4A7C15ull) >> 59);
  if (memo_pc[i] == pc && pc) return !memo_cuda[i];
  const obj *o = lookup(pc);
  if (!o) return 0;
  return !in_cuda_memo(pc);
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

/*
 * Unwinding costs microseconds, too much per call. But the frames between a
 * given driver call inside CUDA code (its return address `ra`, from a given
 * wrapper) and the user's frame have fixed sizes on a given path, so the
 * user's return address sits at a fixed distance from this function's own
 * frame. The first call from each (ra, wrapper) unwinds and remembers that
 * distance, plus the return address of the CUDA frame just inside the user's
 * and where it lies; later calls read the two stack slots and take the
 * user's address only when the inner one still matches exactly (the same
 * path) and the user's is outside CUDA; otherwise they unwind again.
 * One (ra, wrapper) can reach the user by several paths whose frames differ
 * in size (stack realignment, variable-length arrays, different entry points
 * of a library: real cuBLAS launches do), so each key keeps up to PATH_WAYS
 * layouts; a layout is only ever written into an empty way, never replaced,
 * so a reader never sees half of one.
 */
#define PATH_WAYS 4
typedef struct {
  _Atomic int state; /* 0 empty, 1 being filled, 2 ready */
  intptr_t user_delta, inner_delta;
  uintptr_t inner_pc;
} path_way;

typedef struct {
  _Atomic uint64_t key;
  path_way way[PATH_WAYS];
} path_entry;

#define PATHS 1024
static path_entry paths[PATHS];

static inline uint64_t path_key(uintptr_t ra, const void *wrapper) {
  return (((uint64_t)ra * 0x9E3779B97F4A7C15ull) ^ (uint64_t)(uintptr_t)wrapper) | 1; /* never 0 (empty) */
}

/* The top of this thread's stack (once per thread), so the fast path never
 * reads past it whatever a stale distance says. */
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

static void remember(path_entry *e, uint64_t key, intptr_t user_delta, intptr_t inner_delta, uintptr_t inner_pc) {
  uint64_t expected = 0;
  if (atomic_load_explicit(&e->key, memory_order_acquire) != key && !atomic_compare_exchange_strong(&e->key, &expected, key))
    return; /* the slot holds another (ra, wrapper): that one keeps it */
  for (int j = 0; j < PATH_WAYS; j++) {
    path_way *p = &e->way[j];
    int st = atomic_load_explicit(&p->state, memory_order_acquire);
    if (st == 2 && p->user_delta == user_delta && p->inner_delta == inner_delta && p->inner_pc == inner_pc) return;
    int empty = 0;
    if (st == 0 && atomic_compare_exchange_strong(&p->state, &empty, 1)) {
      p->user_delta = user_delta, p->inner_delta = inner_delta, p->inner_pc = inner_pc;
      atomic_store_explicit(&p->state, 2, memory_order_release);
      return;
    }
  }
}

__attribute__((noinline)) uint32_t mpst_cuda_driver_site(const void *ra, const void *wrapper) {
  uintptr_t a = (uintptr_t)ra;
  if (!in_cuda_memo(a)) return mpst_callsite(ra); /* the program called the driver itself */
  volatile char anchor = 0;
  uintptr_t here = (uintptr_t)&anchor;
  uint64_t key = path_key(a, wrapper);
  path_entry *e = &paths[key % PATHS];
  uintptr_t top = stack_top();
  if (top && atomic_load_explicit(&e->key, memory_order_acquire) == key) {
    for (int j = 0; j < PATH_WAYS; j++) {
      const path_way *p = &e->way[j];
      if (atomic_load_explicit(&p->state, memory_order_acquire) != 2) continue;
      if (here + p->user_delta + 8 > top || here + p->inner_delta + 8 > top) continue;
      if (*(const uintptr_t *)(here + p->inner_delta) != p->inner_pc) continue;
      uintptr_t user = *(const uintptr_t *)(here + p->user_delta);
      if (user && user_code(user)) return mpst_callsite((const void *)user);
    }
  }
  struct walk w;
  w.n = 0;
  w.ra = a;
  w.past_ra = 0;
  int64_t t0 = mpst_now();
  _Unwind_Backtrace(collect, &w);
  /* the slow path: counted, so a bench can tell a cache that keeps missing */
  mpst_stat_add(MPST_STAT_unwinds, 1);
  mpst_stat_add(MPST_STAT_unwind_ns, (uint64_t)(mpst_now() - t0));
  /* frames up to and including the one at `ra` are ours and CUDA's */
  int i = 0;
  while (i < w.n && w.pcs[i] != a) i++;
  for (i = i < w.n ? i + 1 : 0; i < w.n; i++) {
    if (!w.pcs[i] || in_cuda(w.pcs[i])) continue;
    /* the return address into a frame lies just below the CFA the unwinder
       reports with it (x86-64: the call pushed it there) */
    if (i >= 1) {
      intptr_t user_delta = (intptr_t)(w.cfas[i] - 8 - here), inner_delta = (intptr_t)(w.cfas[i - 1] - 8 - here);
      if (user_delta > 0 && inner_delta > 0 && *(const uintptr_t *)(here + user_delta) == w.pcs[i] &&
          *(const uintptr_t *)(here + inner_delta) == w.pcs[i - 1])
        remember(e, key, user_delta, inner_delta, w.pcs[i - 1]);
    }
    return mpst_callsite((const void *)w.pcs[i]);
  }
  return mpst_callsite(ra);
}
