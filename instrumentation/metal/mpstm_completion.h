/*
 * Completed-handler abstraction. On Apple the root `commit` hook registers a
 * block with -addCompletedHandler: (mpstm_completion_darwin.m); the Linux
 * stand-ins offer a C-function registration instead (test/completion_test.m).
 * Both end in mpstm_cb_completed(), which reads the timing and status through
 * the same selectors (GPUStartTime, GPUEndTime, status, error).
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

#ifdef __cplusplus
}
#endif
#endif
