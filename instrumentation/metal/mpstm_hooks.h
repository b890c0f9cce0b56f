/*
 * Metal/MPS hooks: the one hook table, lazy class discovery and the records
 * each hook writes. Platform entry points (the dyld interposers on macOS, the
 * stand-in factories in the Linux tests) call the bootstrap functions below.
 *
 * Mapping onto the trace schema (docs/readme/50-metal.md has the full table):
 *   stream handle   = the MTLCommandQueue pointer; stream_create is written at
 *                     the queue's first use (a queue released unused, like
 *                     MPSGuardImpl's temporary MPSStream, leaves no stream)
 *   cb_create/cb_commit/cb_dealloc/complete = root MTLCommandBuffers, one corr each
 *   object_create/destroy(command_buffer)   = MPSCommandBuffer wrappers (owner = queue)
 *   event_record/event_wait + event_value   = shared-event signal/wait with the value
 *   metal_hook                              = the self-report (hit counts per class and selector)
 */
#ifndef MPSTM_HOOKS_H
#define MPSTM_HOOKS_H

#include "mpstm_objc.h"
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MPSTM_EXPORT __attribute__((visibility("default")))

/* Hook kinds: which selector set applies to a discovered class. */
enum mpstm_hook_kind {
  MPSTM_HK_DEVICE = 1,
  MPSTM_HK_QUEUE,
  MPSTM_HK_ROOT_CB,
  MPSTM_HK_MPS_CB, /* MPSCommandBuffer instances */
  MPSTM_HK_MPS_CB_CLASS, /* MPSCommandBuffer class methods (metaclass) */
  MPSTM_HK_EVENT,
};

/* Kill-switch groups (MPSTRACE_METAL_SKIP=queues,events,...; "all" = every
 * hook): a skipped group's selectors are never installed, so a first Mac
 * user can bisect a crash by turning groups off one at a time. */
enum mpstm_group {
  MPSTM_G_QUEUES = 1 << 0, /* device -newCommandQueue*, queue -dealloc */
  MPSTM_G_BUFFERS = 1 << 1, /* queue -commandBuffer*, root -commit/-enqueue/-dealloc */
  MPSTM_G_COMPLETION = 1 << 2, /* our completed handlers (and the -addCompletedHandler: hooks) */
  MPSTM_G_WAITS = 1 << 3, /* -waitUntilCompleted/-waitUntilScheduled */
  MPSTM_G_EVENTS = 1 << 4, /* -newSharedEvent*, encodeSignal/Wait, notifyListener, setSignaledValue, event -dealloc */
  MPSTM_G_WRAPPER = 1 << 5, /* every MPSCommandBuffer hook */
  MPSTM_G_DEALLOC = 1 << 6, /* every -dealloc hook */
  MPSTM_G_ALL = (1 << 7) - 1,
};

/* A device came out of MTLCopyAllDevices / MTLCreateSystemDefaultDevice:
 * names the backend metal, hooks the device's class and, when loaded,
 * MPSCommandBuffer. Idempotent. */
void mpstm_bootstrap_device(id device);

/* dispatch_queue_create returned `dq` with `label`: a "metal gpu stream"
 * queue marks the MTLCommandQueue this thread created last as a PyTorch
 * stream queue. Returns its recorder-local serial or -1. */
int32_t mpstm_on_dispatch_queue_created(const char *label, uint64_t dq);

/* Hooks obj's concrete class for `kind` the first time that class is seen.
 * Returns the number of selectors newly hooked. */
int mpstm_discover(id obj, int kind);

/* Hooks MPSCommandBuffer (class and metaclass) if the class is loaded. */
int mpstm_try_hook_mps_class(void);

/* Runs in the completed handler of a root command buffer. */
void mpstm_cb_completed(id cb, void *ctx);

/* The self-report: one metal_hook record per hooked, missing, skipped or
 * fail-open (class, selector). Registered as a shutdown hook at bootstrap. */
void mpstm_write_report(int at_exit);

/* The kill-switch mask in effect (parsed from the environment once). */
unsigned mpstm_skipped_groups(void);

/* Counters for tests. */
typedef struct mpstm_hook_stats {
  int classes; /* (class, kind) pairs discovered */
  int handlers_added; /* completed handlers registered (at creation or commit) */
  int handlers_skipped; /* commits seen too late to add a handler */
  int completions; /* completed handlers that ran */
  int ready_waits; /* commits that waited for another thread's handler registration */
} mpstm_hook_stats;
mpstm_hook_stats mpstm_hooks_get_stats(void);

/* For the Python layer (through ctypes). PyTorch's stream ids cannot be
 * derived from Metal calls, so the recorder only knows one when told what a
 * call was about: observe_begin() on this thread, run PyTorch code that
 * touches exactly one stream (e.g. stream.synchronize()), then
 * observe_end(id) returns the one queue the hooks saw (0 when none or more
 * than one) and binds id to it. stream_handle(id) returns bound handles only. */
MPSTM_EXPORT void mpstrace_metal_observe_begin(void);
MPSTM_EXPORT uint64_t mpstrace_metal_observe_end(int32_t ordinal);
MPSTM_EXPORT uint64_t mpstrace_metal_stream_handle(int32_t ordinal);

#ifdef __cplusplus
}
#endif
#endif
