/* Test implementation of mpstm_add_completion. Like the Apple one it goes
 * through -addCompletedHandler: (hooked, so this is a hook called from inside
 * a hook), but with a FakeHandler object carrying a C function instead of a
 * block (GCC's Objective-C has no blocks). */
#include "../mpstm_completion.h"
#include "standins.h"

#include <stdlib.h>

typedef struct pending {
  mpstm_completion_fn fn;
  void *ctx;
} pending;

static void run_pending(id cb, uint64_t value, void *arg) {
  (void)value;
  pending *p = arg;
  p->fn(cb, p->ctx);
  free(p);
}

int mpstm_add_completion(id cb, mpstm_completion_fn fn, void *ctx) {
  SEL sel = sel_registerName("addCompletedHandler:");
  pending *p = malloc(sizeof *p);
  if (!p || !mpstm_responds(cb, sel)) {
    free(p);
    return 0;
  }
  p->fn = fn;
  p->ctx = ctx;
  id handler = [FakeHandler withFn:run_pending ctx:p];
  MPSTM_FN(void (*)(id, SEL, id), mpstm_imp(cb, sel))(cb, sel, handler);
  [handler release]; /* the command buffer retains what it keeps */
  return 1;
}

/* Listener-block wrapper: a FakeHandler that runs fn, then the program's. */
typedef struct wrapped {
  mpstm_notify_fn fn;
  id program;
} wrapped;

static void run_wrapped(id ev, uint64_t value, void *arg) {
  wrapped *w = arg;
  w->fn(ev, value);
  if (w->program) [w->program invoke:ev value:value];
  [w->program release];
  free(w);
}

id mpstm_wrap_notify(id block, mpstm_notify_fn fn) {
  if (!block) return nil;
  wrapped *w = malloc(sizeof *w);
  if (!w) return nil;
  w->fn = fn;
  w->program = [block retain];
  return [FakeHandler withFn:run_wrapped ctx:w];
}

void mpstm_release_wrapper(id wrapper) {
  if (wrapper) [wrapper release];
}
