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
 *   if (!mpstm_call_begin(&c, self, _cmd)) return 0;   // unresolvable: see stats
 *   if (!c.nested) { ...record... }
 *   ret r = ((ret (*)(id, SEL))c.orig)(self, _cmd);
 *   mpstm_call_end(&c);
 *
 * A subclass's override that calls `super` re-enters the same hook with the
 * same (self, _cmd) while the outer call is still on this thread's frame
 * stack; the engine then resolves from the superclass of the class whose
 * original the outer call is running, so the chain walks up exactly as the
 * unhooked program would, and `nested` tells the hook not to record twice.
 */
#ifndef MPSTM_ENGINE_H
#define MPSTM_ENGINE_H

#include "mpstm_objc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mpstm_call {
  IMP orig;    /* the original to call; NULL only if the engine lost track */
  Class at;    /* class whose table entry supplied orig */
  int nested;  /* 1 when this is a super call inside the same hooked message */
  int pushed;  /* internal: a frame was pushed */
} mpstm_call;

/* Installs `hook` for `sel` on exactly `cls` (instance methods; pass a
 * metaclass for class methods). Returns 1 when installed, 0 when it was
 * already in place (idempotent, also when inherited from a hooked ancestor),
 * -1 when `cls` does not respond to `sel`. Thread-safe. */
int mpstm_hook_install(Class cls, SEL sel, IMP hook);

/* The original IMP recorded for exactly (cls, sel), or NULL. */
IMP mpstm_hook_original(Class cls, SEL sel);

int mpstm_call_begin(mpstm_call *c, id self, SEL sel);
void mpstm_call_end(mpstm_call *c);

/* Counters for tests and the shutdown summary. */
typedef struct mpstm_engine_stats {
  int installed;     /* (class, selector) pairs hooked */
  int unresolved;    /* hook calls whose original could not be found */
  int frame_overflow;/* calls nested deeper than the frame stack */
} mpstm_engine_stats;
mpstm_engine_stats mpstm_engine_get_stats(void);

#ifdef __cplusplus
}
#endif
#endif
