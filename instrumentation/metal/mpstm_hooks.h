/*
 * Metal/MPS hooks: the one hook table, lazy class discovery and the records
 * each hook writes. Platform entry points (the dyld interposers on macOS, the
 * stand-in factories in the Linux tests) call the bootstrap functions below.
 *
 * Mapping onto the trace schema (docs/readme/50-metal.md has the full table):
 *   stream handle   = the MTLCommandQueue pointer (stream_create when a queue is
 *                     created; slot numbers carry the PyTorch stream ordinal)
 *   cb_create/cb_commit/cb_dealloc/complete = root MTLCommandBuffers, one corr each
 *   object_create/destroy(command_buffer)   = MPSCommandBuffer wrappers (owner = queue)
 */
#ifndef MPSTM_HOOKS_H
#define MPSTM_HOOKS_H

#include "mpstm_objc.h"
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif


/* Hook kinds: which selector set applies to a discovered class. */
enum mpstm_hook_kind {
  MPSTM_HK_DEVICE = 1,
  MPSTM_HK_QUEUE,
  MPSTM_HK_ROOT_CB,
  MPSTM_HK_MPS_CB,       /* MPSCommandBuffer instances */
  MPSTM_HK_MPS_CB_CLASS, /* MPSCommandBuffer class methods (metaclass) */
  MPSTM_HK_EVENT,
};

/* A device came out of MTLCopyAllDevices / MTLCreateSystemDefaultDevice:
 * starts the recorder (backend metal) and hooks the device's class and,
 * when loaded, MPSCommandBuffer. Idempotent. */
void mpstm_bootstrap_device(id device);

/* dispatch_queue_create returned `dq` with `label`: a "metal gpu stream"
 * queue is paired with the MTLCommandQueue this thread created last and gets
 * the next PyTorch stream ordinal. Returns that ordinal or -1. */
int32_t mpstm_on_dispatch_queue_created(const char *label, uint64_t dq);

/* Hooks obj's concrete class for `kind` the first time that class is seen.
 * Returns the number of selectors newly hooked. */
int mpstm_discover(id obj, int kind);

/* Hooks MPSCommandBuffer (class and metaclass) if the class is loaded. */
int mpstm_try_hook_mps_class(void);

/* Runs in the completed handler of a root command buffer. */
void mpstm_cb_completed(id cb, void *ctx);

/* Counters for tests. */
typedef struct mpstm_hook_stats {
  int classes;          /* (class, kind) pairs discovered */
  int handlers_added;   /* completed handlers registered by the commit hook */
  int handlers_skipped; /* commits seen too late to add a handler */
  int completions;      /* completed handlers that ran */
} mpstm_hook_stats;
mpstm_hook_stats mpstm_hooks_get_stats(void);

#ifdef __cplusplus
}
#endif
#endif
