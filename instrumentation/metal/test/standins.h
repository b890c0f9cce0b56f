/*
 * Stand-in classes that answer Metal's and MPS's selectors, for the Linux
 * tests (GCC's GNU Objective-C runtime, no Foundation). They model the parts
 * the hooks depend on: factories returning objects of concrete classes, a
 * command buffer whose GPU work completes on another thread with GPU
 * start/end times, shared events with listeners, and an MPSCommandBuffer
 * wrapper whose commitAndContinue commits its root and swaps in a new one.
 * Every original method counts its calls, so tests can prove the hooks
 * forwarded exactly once.
 */
#ifndef STANDINS_H
#define STANDINS_H

#include <objc/runtime.h>
#include <pthread.h>
#include "../mpstm_atomic.h"
#include <stdint.h>

typedef struct fake_counts {
  int dev_new_queue, dev_new_event, queue_cb, cb_commit, agx_commit, late_commit, cb_enqueue, cb_wait_done, cb_wait_sched, cb_signal,
      cb_wait_event, cb_add_handler, mps_from_queue, mps_commit, mps_cac, mps_root, mps_wait_done, mps_signal, ev_notify, ev_set_value,
      dealloc_cb, dealloc_queue, dealloc_event, dealloc_mps, handlers_run;
} fake_counts;
extern fake_counts fc;

__attribute__((objc_root_class))
@interface MTObject {
  Class isa;
  int _rc;
}
+ (id)alloc;
+ (id)new;
+ (Class)class;
- (id)init;
- (id)retain;
- (void)release;
- (void)dealloc;
@end

/* A completion handler: stands in for a block (GCC has no blocks). */
@interface FakeHandler : MTObject {
 @public
  void (*fn)(id arg, uint64_t value, void *ctx);
  void *ctx;
}
+ (id)withFn:(void (*)(id, uint64_t, void *))f ctx:(void *)c;
- (void)invoke:(id)arg value:(uint64_t)v;
@end

@interface FakeDevice : MTObject {
 @public
  Class queueClass;
  Class cbClass;
}
- (id)newCommandQueue;
- (id)newCommandQueueWithMaxCommandBufferCount:(unsigned long)n;
- (id)newSharedEvent;
@end

@interface FakeQueue : MTObject {
 @public
  Class cbClass;
}
- (id)commandBuffer;
- (id)commandBufferWithUnretainedReferences;
@end

enum { FAKE_MAX_HANDLERS = 8, FAKE_MAX_SIGNALS = 8 };

@interface FakeCB : MTObject {
 @public
  id queue;
  unsigned long status;
  double gpuStart, gpuEnd;
  int failWithCode;
  int nhandlers;
  id handlers[FAKE_MAX_HANDLERS];
  int nsignals;
  id sigEvents[FAKE_MAX_SIGNALS];
  uint64_t sigValues[FAKE_MAX_SIGNALS];
  pthread_t gpu;
  int gpuStarted;
}
- (id)commandQueue;
- (void)commit;
- (void)enqueue;
- (void)waitUntilCompleted;
- (void)waitUntilScheduled;
- (void)encodeSignalEvent:(id)e value:(uint64_t)v;
- (void)encodeWaitForEvent:(id)e value:(uint64_t)v;
- (void)addCompletedHandler:(id)h;
- (unsigned long)status;
- (double)GPUStartTime;
- (double)GPUEndTime;
- (id)error;
@end

/* A driver subclass overriding commit with a call to super (like the AGX
 * classes over _MTLCommandBuffer). */
@interface FakeAGXCB : FakeCB
@end

@interface FakeError : MTObject {
 @public
  long code;
}
- (long)code;
@end

@interface FakeSharedEvent : MTObject {
 @public
  unsigned long long value;
  pthread_mutex_t mu;
  int nlisteners;
  id listeners[8];
  uint64_t at[8];
}
- (uint64_t)signaledValue;
- (void)setSignaledValue:(uint64_t)v;
- (void)signalFromGPU:(uint64_t)v;
- (void)notifyListener:(id)listener atValue:(uint64_t)v block:(id)block;
@end

/* The public MPS wrapper, under its real (public) name so the recorder finds
 * it with objc_getClass("MPSCommandBuffer"). */
@interface MPSCommandBuffer : MTObject {
 @public
  id queue;
  id root;
  pthread_mutex_t mu; /* commits from two threads take turns (the root swap is not atomic) */
}
+ (id)commandBufferFromCommandQueue:(id)q;
- (id)rootCommandBuffer;
- (id)commandQueue;
- (void)commit;
- (void)commitAndContinue;
- (void)waitUntilCompleted;
- (void)encodeSignalEvent:(id)e value:(uint64_t)v;
- (void)encodeWaitForEvent:(id)e value:(uint64_t)v;
- (void)addCompletedHandler:(id)h;
@end

/* Called by -[FakeCB addCompletedHandler:] before its committed-status
 * check, so a test can run another thread's commit inside the window. */
extern void (*fake_before_handler_check)(id cb);

/* Seconds of CLOCK_MONOTONIC: what the stand-in GPU reports as host time. */
double fake_host_seconds(void);

/* Builds, at run time, a FakeCB subclass named `name` whose commit calls the
 * superclass's implementation through the runtime (a class "discovered
 * late": it did not exist when the hooks were installed). */
Class fake_make_late_class(const char *name);

#endif
