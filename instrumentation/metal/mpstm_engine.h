/*
 * The hook engine: installs plain C IMPs on concrete classes and finds, for
 * each call, the original IMP that the receiver would have run.
 *
 * One original IMP is kept per (class, selector). A hook is a plain C
 * function `ret hook(id self, SEL _cmd, ...)` (no blocks: GCC's runtime has no
 * imp_implementationWithBlock), shared by every class it is installed on, so
 * it asks the engine which original to run:
 *
 *   mpstm_call c;
 *   mpstm_call_begin(&c, self, _cmd);      // always yields something to call
 *   if (!c.nested) { ...record... }
 *   ret r = c.orig ? ((ret (*)(id, SEL))c.orig)(self, _cmd) : 0;
 *   mpstm_call_end(&c);
 *
 * A subclass's override that calls `super` re-enters the same hook with the
 * same (self, _cmd) while the outer call is still on this thread's frame
 * stack; the engine then resolves from the superclass of the class whose
 * original the outer call is running, so the chain walks up exactly as the
 * unhooked program would, and `nested` tells the hook not to record twice.
 *
 * Fail open: when no table entry serves the receiver (our IMP reached a class
 * we never hooked, e.g. copied there by another swizzler), the engine walks the
 * receiver's class chain for the first implementation that is not one of our
 * hooks (the superclass's, in the usual case) and counts that it did
 * (mpstm_engine_fallbacks). Frames past the fixed per-thread array are chained
 * through the callers' own mpstm_call structs, so nesting depth has no limit.
 */
#ifndef MPSTM_ENGINE_H
#define MPSTM_ENGINE_H

#include "mpstm_objc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mpstm_call {
  IMP orig; /* the implementation to call; NULL only when the class chain has none but ours */
  Class at; /* class whose table entry (or method, on fallback) supplied orig */
  int nested; /* 1 when this is a super call inside the same hooked message */
  int pushed; /* internal: 1 = array frame, 2 = chained overflow frame */
  int fallback; /* 1 when orig was found without a table entry (fail-open path) */
  /* internal: the overflow frame */
  id self;
  const char *sel_name;
  struct mpstm_call *prev;
} mpstm_call;

/* Installs `hook` for `sel` on exactly `cls` (instance methods; pass a
 * metaclass for class methods). Returns 1 when installed, 0 when it was
 * already in place (idempotent, also when inherited from a hooked ancestor),
 * -1 when `cls` does not respond to `sel` or the table is full. Thread-safe. */
int mpstm_hook_install(Class cls, SEL sel, IMP hook);

/* The original IMP recorded for exactly (cls, sel), or NULL. */
IMP mpstm_hook_original(Class cls, SEL sel);

/* Resolves the implementation to run (see above). Returns 1 when c->orig is
 * set (from the table or by fallback), 0 when nothing but hooks implement
 * `sel` on the receiver's chain; either way pair it with mpstm_call_end. */
int mpstm_call_begin(mpstm_call *c, id self, SEL sel);
void mpstm_call_end(mpstm_call *c);

/* Counters for tests and the shutdown summary. */
typedef struct mpstm_engine_stats {
  int installed; /* (class, selector) pairs hooked */
  int unresolved; /* hook calls with no table entry (each took the fallback route) */
  int no_original; /* ... of which nothing at all could be called */
  int frame_overflow; /* calls nested deeper than the frame array (chained instead) */
} mpstm_engine_stats;
mpstm_engine_stats mpstm_engine_get_stats(void);

/* The hook table for the self-report: calls fn once per hooked
 * (class, selector) with its hit count (every call that ran through the
 * hook, nested ones included). */
void mpstm_engine_each(void (*fn)(Class cls, const char *sel, uint64_t hits, void *arg), void *arg);
/* Fail-open sites: (receiver class, selector, times the fallback route was
 * taken, 1 when nothing could be called). */
void mpstm_engine_fallbacks(void (*fn)(Class cls, const char *sel, uint64_t count, int none, void *arg), void *arg);

/* Forgets everything (tests; classes keep their hooks). */
void mpstm_engine_reset_counts(void);

#ifdef __cplusplus
}
#endif
#endif
