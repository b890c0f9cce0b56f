/* Hook engine; see mpstm_engine.h for the calling convention. */
#include "mpstm_engine.h"

#include <pthread.h>
#include "mpstm_atomic.h"
#include <string.h>

/* Open-addressing table, insert-only. Readers are lock-free: an entry is
 * published by storing `cls` last with release order. 4096 slots hold far
 * more (class, selector) pairs than Metal's few concrete classes need. */
#define TABLE_SLOTS 4096u
#define MAX_FRAMES 64
#define MAX_HOOK_IMPS 64
#define FALLBACK_SLOTS 64u

typedef struct entry {
  uintptr_t cls;
  const char *sel_name; /* compared by content: GNU selectors may be typed copies */
  IMP orig;
  IMP hook;
  uint64_t hits;
} entry;

static entry g_table[TABLE_SLOTS];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_installed, g_unresolved, g_no_original, g_overflow;

/* Every distinct hook IMP ever installed: the fallback route skips them. */
static IMP g_hook_imps[MAX_HOOK_IMPS];
static int g_n_hook_imps;

/* Fail-open sites, insert-only like the table (the key is published last). */
typedef struct fallback {
  uintptr_t cls;
  const char *sel_name;
  uint64_t count;
  int none;
} fallback;
static fallback g_fallbacks[FALLBACK_SLOTS];

typedef struct frame {
  id self;
  const char *sel_name;
  Class at;
} frame;
static __thread frame t_frames[MAX_FRAMES];
static __thread int t_depth;
static __thread mpstm_call *t_overflow; /* frames past MAX_FRAMES, newest first */

static int same_sel(const char *a, const char *b) { return a == b || strcmp(a, b) == 0; }

static uint32_t slot_of(Class cls, const char *name) {
  uint32_t h = 0x811C9DC5u;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = (h ^ *p) * 0x01000193u;
  uintptr_t c = (uintptr_t)cls;
  h ^= (uint32_t)(c >> 4) ^ (uint32_t)((uint64_t)c >> 32);
  return h;
}

static entry *find(Class cls, const char *name) {
  for (uint32_t i = slot_of(cls, name) & (TABLE_SLOTS - 1), n = 0; n < TABLE_SLOTS; n++, i = (i + 1) & (TABLE_SLOTS - 1)) {
    uintptr_t c = mpstm_load_acq(&g_table[i].cls);
    if (c == 0) return 0;
    if (c == (uintptr_t)cls && same_sel(g_table[i].sel_name, name)) return &g_table[i];
  }
  return 0;
}

static int insert(Class cls, const char *name, IMP orig, IMP hook) {
  for (uint32_t i = slot_of(cls, name) & (TABLE_SLOTS - 1), n = 0; n < TABLE_SLOTS; n++, i = (i + 1) & (TABLE_SLOTS - 1)) {
    if (mpstm_load_rlx(&g_table[i].cls) != 0) continue;
    g_table[i].sel_name = name;
    g_table[i].orig = orig;
    g_table[i].hook = hook;
    g_table[i].hits = 0;
    mpstm_store_rel(&g_table[i].cls, (uintptr_t)cls);
    return 1;
  }
  return 0;
}

static void note_hook_imp(IMP hook) {
  int n = mpstm_load_rlx(&g_n_hook_imps);
  for (int i = 0; i < n; i++)
    if (g_hook_imps[i] == hook) return;
  if (n < MAX_HOOK_IMPS) {
    g_hook_imps[n] = hook;
    mpstm_store_rel(&g_n_hook_imps, n + 1);
  }
}

static int is_hook_imp(IMP imp) {
  int n = mpstm_load_acq(&g_n_hook_imps);
  for (int i = 0; i < n; i++)
    if (g_hook_imps[i] == imp) return 1;
  return 0;
}

/* GCC's runtime builds dispatch tables lazily. Replacing a subclass method
 * before its and its ancestors' tables exist made `super` resolve to the hook
 * (metal.md §9), so force them into existence first. Harmless elsewhere. */
static void prime_dispatch(Class cls, SEL sel) {
  for (Class c = cls; c; c = class_getSuperclass(c)) (void)class_getMethodImplementation(c, sel);
}

int mpstm_hook_install(Class cls, SEL sel, IMP hook) {
  if (!cls || !sel || !hook) return -1;
  const char *name = sel_getName(sel);
  pthread_mutex_lock(&g_lock);
  int rc;
  Method m = class_getInstanceMethod(cls, sel);
  if (find(cls, name)) {
    rc = 0;
  } else if (!m) {
    rc = -1;
  } else {
    prime_dispatch(cls, sel);
    IMP current = class_getMethodImplementation(cls, sel);
    Class super = class_getSuperclass(cls);
    int own = !super || class_getInstanceMethod(super, sel) != m;
    if (current == hook) {
      rc = 0; /* inherited from a hooked ancestor, whose entry serves this class */
    } else if (!insert(cls, name, method_getImplementation(m), hook)) {
      rc = -1; /* table full: leave the class alone rather than lose the original */
    } else {
      note_hook_imp(hook);
      /* The entry is published before the IMP changes, so a concurrent call
       * of the hook always finds its original. */
      if (own) method_setImplementation(m, hook);
      else class_addMethod(cls, sel, hook, method_getTypeEncoding(m));
      mpstm_add(&g_installed, 1);
      rc = 1;
    }
  }
  pthread_mutex_unlock(&g_lock);
  return rc;
}

IMP mpstm_hook_original(Class cls, SEL sel) {
  entry *e = find(cls, sel_getName(sel));
  return e ? e->orig : 0;
}

static fallback *find_fallback(Class cls, const char *name) {
  for (uint32_t i = slot_of(cls, name) & (FALLBACK_SLOTS - 1), n = 0; n < FALLBACK_SLOTS; n++, i = (i + 1) & (FALLBACK_SLOTS - 1)) {
    uintptr_t c = mpstm_load_acq(&g_fallbacks[i].cls);
    if (c == 0) return 0;
    if (c == (uintptr_t)cls && same_sel(g_fallbacks[i].sel_name, name)) return &g_fallbacks[i];
  }
  return 0;
}

/* Lock-free when the site is known; a new site (rare: once per class and
 * selector) is inserted under the table lock. */
static void note_fallback(Class cls, const char *name, int none) {
  fallback *f = find_fallback(cls, name);
  if (!f) {
    pthread_mutex_lock(&g_lock);
    f = find_fallback(cls, name);
    for (uint32_t i = slot_of(cls, name) & (FALLBACK_SLOTS - 1), n = 0; !f && n < FALLBACK_SLOTS; n++, i = (i + 1) & (FALLBACK_SLOTS - 1)) {
      if (mpstm_load_rlx(&g_fallbacks[i].cls) != 0) continue;
      g_fallbacks[i].sel_name = name;
      mpstm_store_rel(&g_fallbacks[i].cls, (uintptr_t)cls);
      f = &g_fallbacks[i];
    }
    pthread_mutex_unlock(&g_lock);
  }
  if (!f) return;
  mpstm_add(&f->count, 1);
  if (none) mpstm_store(&f->none, 1);
}

/* The first implementation of `sel` on `start`'s chain that is not one of our
 * hooks: what the receiver would run had we never been there. */
static IMP other_route(Class start, SEL sel, Class *at) {
  for (Class k = start; k; k = class_getSuperclass(k)) {
    Method m = class_getInstanceMethod(k, sel);
    if (!m) return 0;
    IMP imp = method_getImplementation(m);
    if (!is_hook_imp(imp)) {
      *at = k;
      return imp;
    }
  }
  return 0;
}

int mpstm_call_begin(mpstm_call *c, id self, SEL sel) {
  const char *name = sel_getName(sel);
  Class start = object_getClass(self);
  c->nested = 0;
  c->pushed = 0;
  c->fallback = 0;
  c->orig = 0;
  c->at = 0;
  int found = 0;
  for (mpstm_call *o = t_overflow; o && !found; o = o->prev) {
    if (o->self == self && same_sel(o->sel_name, name)) {
      start = o->at ? class_getSuperclass(o->at) : 0;
      found = 1;
    }
  }
  for (int i = t_depth - 1; i >= 0 && !found; i--) {
    if (t_frames[i].self == self && same_sel(t_frames[i].sel_name, name)) {
      start = t_frames[i].at ? class_getSuperclass(t_frames[i].at) : 0;
      found = 1;
    }
  }
  c->nested = found;
  for (Class k = start; k; k = class_getSuperclass(k)) {
    entry *e = find(k, name);
    if (e) {
      c->orig = e->orig;
      c->at = k;
      mpstm_add(&e->hits, 1);
      break;
    }
  }
  if (!c->orig) {
    /* Fail open: run what the receiver would have run without us. */
    mpstm_add(&g_unresolved, 1);
    c->fallback = 1;
    c->orig = other_route(start, sel, &c->at);
    if (!c->orig) mpstm_add(&g_no_original, 1);
    note_fallback(object_getClass(self), name, c->orig == 0);
  }
  if (t_depth < MAX_FRAMES) {
    t_frames[t_depth].self = self;
    t_frames[t_depth].sel_name = name;
    t_frames[t_depth].at = c->at;
    t_depth++;
    c->pushed = 1;
  } else {
    /* Deeper than the array: chain this caller-owned struct instead. */
    c->self = self;
    c->sel_name = name;
    c->prev = t_overflow;
    t_overflow = c;
    c->pushed = 2;
    mpstm_add(&g_overflow, 1);
  }
  return c->orig != 0;
}

void mpstm_call_end(mpstm_call *c) {
  if (c->pushed == 1 && t_depth > 0) t_depth--;
  else if (c->pushed == 2) t_overflow = c->prev;
  c->pushed = 0;
}

mpstm_engine_stats mpstm_engine_get_stats(void) {
  mpstm_engine_stats s = { mpstm_load(&g_installed), mpstm_load(&g_unresolved), mpstm_load(&g_no_original), mpstm_load(&g_overflow) };
  return s;
}

void mpstm_engine_each(void (*fn)(Class cls, const char *sel, uint64_t hits, void *arg), void *arg) {
  for (uint32_t i = 0; i < TABLE_SLOTS; i++) {
    uintptr_t c = mpstm_load_acq(&g_table[i].cls);
    if (c) fn((Class)c, g_table[i].sel_name, mpstm_load(&g_table[i].hits), arg);
  }
}

void mpstm_engine_fallbacks(void (*fn)(Class cls, const char *sel, uint64_t count, int none, void *arg), void *arg) {
  for (uint32_t i = 0; i < FALLBACK_SLOTS; i++) {
    uintptr_t c = mpstm_load_acq(&g_fallbacks[i].cls);
    if (c) fn((Class)c, g_fallbacks[i].sel_name, mpstm_load(&g_fallbacks[i].count), mpstm_load(&g_fallbacks[i].none), arg);
  }
}

void mpstm_engine_reset_counts(void) {
  for (uint32_t i = 0; i < TABLE_SLOTS; i++) mpstm_store(&g_table[i].hits, 0);
}
