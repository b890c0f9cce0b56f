/*
 * Block abstraction. On Apple the hooks hand Metal blocks (completed
 * handlers, shared-event listener blocks; mpstm_completion_darwin.m); the
 * Linux stand-ins take FakeHandler objects carrying a C function instead
 * (test/completion_test.m). Both end in the same C callbacks.
 */
#ifndef MPSTM_COMPLETION_H
#define MPSTM_COMPLETION_H

#include "mpstm_objc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*mpstm_completion_fn)(id cb, void *ctx);

/* Registers fn(cb, ctx) to run once `cb` completes. Call only before `cb` is
 * committed (Metal aborts on a handler added after commit). Returns 1 when
 * registered. */
int mpstm_add_completion(id cb, mpstm_completion_fn fn, void *ctx);

typedef void (*mpstm_notify_fn)(id event, uint64_t value);

/* A listener block that runs fn(event, value) and then `block` (the
 * program's, kept alive by the wrapper), for -notifyListener:atValue:block:.
 * Returns a +1 object the caller releases after forwarding (Metal copies
 * what it keeps), or nil when no wrapper could be made: then forward
 * `block` itself. */
id mpstm_wrap_notify(id block, mpstm_notify_fn fn);
void mpstm_release_wrapper(id wrapper);

#ifdef __cplusplus
}
#endif
#endif
