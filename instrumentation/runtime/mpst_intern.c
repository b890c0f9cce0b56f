/*
 * Lock-free interning: strings by 64-bit hash, arbitrary keys (kernel
 * function pointers, return addresses) by value. Open addressing with a CAS
 * on the key; the winner takes the next id, publishes it and writes the
 * defining record. Fixed-size static tables: no allocation, ever.
 */
#define _GNU_SOURCE
#include "mpst_internal.h"

#include <stdio.h>
#include <stdlib.h>

#include <dlfcn.h>
#include <string.h>

#define TABLE_BITS 16
#define TABLE_SIZE (1u << TABLE_BITS)
#define SPIN_LIMIT 100000

typedef struct {
  _Atomic uint64_t key; /* 0 = empty */
  _Atomic uint32_t id; /* 0 = being defined */
} entry;

static entry strings[TABLE_SIZE];
static entry keyed[TABLE_SIZE];
static entry sites[TABLE_SIZE];
static _Atomic uint32_t next_string_id;
static _Atomic uint32_t next_site_id;

void mpst_emit_string_record(uint32_t id, const char *s, size_t len);

static inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33, x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33, x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

static uint64_t hash_str(const char *s, size_t *len) {
  uint64_t h = 0xcbf29ce484222325ULL;
  const char *p = s;
  for (; *p; p++) h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
  *len = (size_t)(p - s);
  return h ? h : 1;
}

/* Finds or claims the entry for `key`. Returns its id, or 0 with *mine set
 * when this caller claimed it and must publish the id. */
static uint32_t lookup(entry *t, uint64_t key, entry **slot, int *mine) {
  uint64_t i = mix64(key);
  *mine = 0;
  for (unsigned probe = 0; probe < TABLE_SIZE; probe++, i++) {
    entry *e = &t[i & (TABLE_SIZE - 1)];
    uint64_t k = atomic_load_explicit(&e->key, memory_order_acquire);
    if (k == 0) {
      uint64_t zero = 0;
      if (atomic_compare_exchange_strong(&e->key, &zero, key)) {
        *slot = e;
        *mine = 1;
        return 0;
      }
      k = zero;
    }
    if (k == key) {
      uint32_t id;
      for (int spin = 0; (id = atomic_load_explicit(&e->id, memory_order_acquire)) == 0 && spin < SPIN_LIMIT; spin++) {}
      return id; /* 0 only if the definer was interrupted for good */
    }
  }
  return 0; /* table full */
}

uint32_t mpst_intern(const char *s) {
  if (!s) return 0;
  size_t len;
  uint64_t key = hash_str(s, &len);
  entry *e;
  int mine;
  uint32_t id = lookup(strings, key, &e, &mine);
  if (!mine) return id;
  id = atomic_fetch_add(&next_string_id, 1) + 1;
  atomic_store_explicit(&e->id, id, memory_order_release);
  mpst_emit_string_record(id, s, len);
  return id;
}

static uint32_t intern_keyed_slow(uint64_t k, const void *key, const char *(*name_of)(const void *key));

uint32_t mpst_intern_keyed(const void *key, const char *(*name_of)(const void *key)) {
  uint64_t k = (uint64_t)(uintptr_t)key;
  if (k == 0) k = ~0ULL;
  /* a key found in its first slot (most kernels of a program): no call */
  entry *e = &keyed[mix64(k) & (TABLE_SIZE - 1)];
  if (MPST_LIKELY(atomic_load_explicit(&e->key, memory_order_acquire) == k)) {
    uint32_t id = atomic_load_explicit(&e->id, memory_order_acquire);
    if (MPST_LIKELY(id)) return id;
  }
  return intern_keyed_slow(k, key, name_of);
}

__attribute__((noinline)) static uint32_t intern_keyed_slow(uint64_t k, const void *key, const char *(*name_of)(const void *key)) {
  entry *e;
  int mine;
  uint32_t id = lookup(keyed, k, &e, &mine);
  if (!mine) return id;
  id = mpst_intern(name_of(key));
  if (!id) id = mpst_intern("?");
  atomic_store_explicit(&e->id, id, memory_order_release);
  return id;
}

static uint32_t callsite_slow(const void *ra);

static uint32_t callsite_miss(mpst_tls *t, const void *ra, unsigned i);

uint32_t mpst_callsite_id(const void *ra) {
  mpst_tls *t = &T;
  if (t->py_site) return t->py_site;
  uintptr_t a = (uintptr_t)ra;
  unsigned i = (unsigned)(a ^ (a >> 6)) & (MPST_SITE_CACHE - 1);
  if (MPST_LIKELY(t->site_ra[i] == ra && t->site_gen == G.gen)) return t->site_id[i];
  return callsite_miss(t, ra, i);
}

/* out of line (dladdr's buffers), so a cache hit saves no registers */
__attribute__((noinline)) static uint32_t callsite_miss(mpst_tls *t, const void *ra, unsigned i) {
  uint32_t id = callsite_slow(ra);
  if (t->site_gen != G.gen) {
    for (int j = 0; j < MPST_SITE_CACHE; j++) t->site_ra[j] = NULL;
    t->site_gen = G.gen;
  }
  if (id) t->site_ra[i] = ra, t->site_id[i] = id;
  return id;
}

/* The site id for key `k`; *fresh is 1 when this call defined it, and the
 * caller then writes its callsite record. */
static uint32_t site_for_key(uint64_t k, int *fresh) {
  entry *e;
  uint32_t id = lookup(sites, k, &e, fresh);
  if (!*fresh) return id;
  id = atomic_fetch_add(&next_site_id, 1) + 1;
  atomic_store_explicit(&e->id, id, memory_order_release);
  return id;
}

#ifdef __linux__
#include <elf.h>
#include <link.h>

struct build_id_ctx {
  uintptr_t base;
  char hex[2 * 64 + 1];
};

/* The GNU build id of the loaded object mapped at `base`, read from its
 * PT_NOTE segments in memory (no file access). */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct build_id_ctx *c = data;
  uintptr_t start = UINTPTR_MAX;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_LOAD && info->dlpi_addr + info->dlpi_phdr[i].p_vaddr < start)
      start = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
  if ((start & ~(uintptr_t)0xfff) != (c->base & ~(uintptr_t)0xfff)) return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_NOTE) continue;
    const uint8_t *n = (const uint8_t *)(info->dlpi_addr + p->p_vaddr), *end = n + p->p_memsz;
    while (n + sizeof(ElfW(Nhdr)) <= end) {
      const ElfW(Nhdr) *h = (const ElfW(Nhdr) *)n;
      const uint8_t *name = n + sizeof *h, *desc = name + ((h->n_namesz + 3) & ~3u);
      if (desc + h->n_descsz > end) break;
      if (h->n_type == NT_GNU_BUILD_ID && h->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 && h->n_descsz <= 64) {
        for (unsigned j = 0; j < h->n_descsz; j++) snprintf(c->hex + 2 * j, 3, "%02x", desc[j]);
        return 1;
      }
      n = desc + ((h->n_descsz + 3) & ~3u);
    }
  }
  return 1;
}
#endif

/* Module paths as absolute paths (the main program's is argv[0], often
 * relative), so a later `mpstrace symbolize` finds the file; resolved once per
 * module (dli_fname points into the loader's data, stable per module). */
#define MODULE_KEY (1ull << 61)
static const char *module_path(const void *key) {
  const char *f = (const char *)(uintptr_t)((uint64_t)(uintptr_t)key & ~MODULE_KEY);
  static __thread char buf[4096];
  if (f[0] == '/' || !realpath(f, buf)) return f;
  return buf;
}

/* A module record (path, build id, load base) the first time a call site
 * names the module, so binaries can be matched when symbolizing later. */
static void note_module(uint32_t mod, const void *base) {
  entry *e;
  int mine;
  uint64_t key = (1ull << 62) | mod; /* apart from site addresses (< 2^47) and named sites (bit 63) */
  lookup(sites, key, &e, &mine);
  if (!mine) return;
  atomic_store_explicit(&e->id, 1, memory_order_release);
  const char *hex = "";
#ifdef __linux__
  struct build_id_ctx c = { .base = (uintptr_t)base, .hex = "" };
  dl_iterate_phdr(find_build_id, &c);
  hex = c.hex;
#endif
  mpst_emit_module(0, mod, mpst_intern(hex), (uint64_t)(uintptr_t)base);
}

static uint32_t callsite_slow(const void *ra) {
  uint64_t k = (uint64_t)(uintptr_t)ra;
  if (k == 0) return 0;
  int fresh;
  uint32_t id = site_for_key(k, &fresh);
  if (!fresh) return id;
  /* symbolized once per address; dladdr sees exported symbols only, so the
     analyzer may refine with addr2line/atos using module + offset */
  Dl_info info;
  uint32_t sym = 0, mod = 0;
  uint64_t off = 0;
  if (!T.in_signal && dladdr(ra, &info)) {
    if (info.dli_sname) {
      sym = mpst_intern(info.dli_sname);
      off = k - (uint64_t)(uintptr_t)info.dli_saddr;
    } else if (info.dli_fbase) {
      off = k - (uint64_t)(uintptr_t)info.dli_fbase;
    }
    if (info.dli_fname) mod = mpst_intern_keyed((const void *)(MODULE_KEY | (uintptr_t)info.dli_fname), module_path);
    if (mod) note_module(mod, info.dli_fbase);
  }
  mpst_emit_callsite(0, id, sym, mod, k, off);
  return id;
}

uint32_t mpst_callsite_named(const char *symbol, const char *module, uint64_t line) {
  if (!symbol) return 0;
  size_t n;
  /* the top bit keeps named sites apart from code addresses (user space < 2^63) */
  uint64_t k = hash_str(symbol, &n) ^ (module ? hash_str(module, &n) * 0x9E3779B97F4A7C15ull : 0) ^ (line * 0xC2B2AE3D27D4EB4Full);
  k |= 1ull << 63;
  int fresh;
  uint32_t id = site_for_key(k, &fresh);
  if (!fresh) return id;
  char sym[512];
  /* line 0: a named place with no line (e.g. "autograd engine") */
  if (line) snprintf(sym, sizeof sym, "%s:%llu", symbol, (unsigned long long)line);
  else snprintf(sym, sizeof sym, "%s", symbol);
  mpst_emit_callsite(0, id, mpst_intern(sym), mpst_intern(module), 0, 0);
  return id;
}

void mpst_intern_reset(void) {
  /* after fork: the child's file must define its strings and sites again */
  memset(strings, 0, sizeof strings);
  memset(keyed, 0, sizeof keyed);
  memset(sites, 0, sizeof sites);
}
