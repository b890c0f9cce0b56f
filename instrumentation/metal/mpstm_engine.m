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

typedef struct entry {
  uintptr_t cls;
  const char *sel_name; /* compared by content: GNU selectors may be typed copies */
  IMP orig;
  IMP hook;
} entry;

static entry g_table[TABLE_SLOTS];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_installed, g_unresolved, g_overflow;

typedef struct frame {
  id self;
  const char *sel_name;
  Class at;
} frame;
static __thread frame t_frames[MAX_FRAMES];
static __thread int t_depth;

static uint32_t slot_of(Class cls, const char *name) {
  uint32_t h = 0x811C9DC5u;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = (h ^ *p) * 0x01000193u;
  uintptr_t c = (uintptr_t)cls;
  h ^= (uint32_t)(c >> 4) ^ (uint32_t)(c >> 32);
  return h & (TABLE_SLOTS - 1);
}

static entry *find(Class cls, const char *name) {
  for (uint32_t i = slot_of(cls, name), n = 0; n < TABLE_SLOTS; n++, i = (i + 1) & (TABLE_SLOTS - 1)) {
    uintptr_t c = mpstm_load_acq(&g_table[i].cls);
    if (c == 0) return 0;
    if (c == (uintptr_t)cls && (g_table[i].sel_name == name || strcmp(g_table[i].sel_name, name) == 0)) return &g_table[i];
  }
  return 0;
}

static int insert(Class cls, const char *name, IMP orig, IMP hook) {
  for (uint32_t i = slot_of(cls, name), n = 0; n < TABLE_SLOTS; n++, i = (i + 1) & (TABLE_SLOTS - 1)) {
    if (mpstm_load_rlx(&g_table[i].cls) != 0) continue;
    g_table[i].sel_name = name;
    g_table[i].orig = orig;
    g_table[i].hook = hook;
    mpstm_store_rel(&g_table[i].cls, (uintptr_t)cls);
    return 1;
  }
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

int mpstm_call_begin(mpstm_call *c, id self, SEL sel) {
  const char *name = sel_getName(sel);
  Class start = object_getClass(self);
  c->nested = 0;
  c->pushed = 0;
  c->orig = 0;
  c->at = 0;
  for (int i = t_depth - 1; i >= 0; i--) {
    if (t_frames[i].self == self && (t_frames[i].sel_name == name || strcmp(t_frames[i].sel_name, name) == 0)) {
      start = class_getSuperclass(t_frames[i].at);
      c->nested = 1;
      break;
    }
  }
  for (Class k = start; k; k = class_getSuperclass(k)) {
    entry *e = find(k, name);
    if (e) {
      c->orig = e->orig;
      c->at = k;
      break;
    }
  }
  if (!c->orig) {
    mpstm_add(&g_unresolved, 1);
    return 0;
  }
  if (t_depth < MAX_FRAMES) {
    t_frames[t_depth].self = self;
    t_frames[t_depth].sel_name = name;
    t_frames[t_depth].at = c->at;
    t_depth++;
    c->pushed = 1;
  } else {
    mpstm_add(&g_overflow, 1);
  }
  return 1;
}

void mpstm_call_end(mpstm_call *c) {
  if (c->pushed && t_depth > 0) t_depth--;
  c->pushed = 0;
}

mpstm_engine_stats mpstm_engine_get_stats(void) {
  mpstm_engine_stats s = {mpstm_load(&g_installed), mpstm_load(&g_unresolved), mpstm_load(&g_overflow)};
  return s;
}
