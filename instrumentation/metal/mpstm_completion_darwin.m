/*
 * Apple implementation of mpstm_completion.h: blocks, registered with
 * -[MTLCommandBuffer addCompletedHandler:] or passed to
 * -[MTLSharedEvent notifyListener:atValue:block:]. Darwin only; needs -fblocks.
 *
 * UNTESTED ON APPLE HARDWARE. The completed handler runs on a Metal
 * completion thread and reads GPUStartTime/GPUEndTime there (seconds of mach
 * host time, 0 until the buffer completes; metal.md §8); listener blocks run
 * on the listener's dispatch queue.
 */
#ifdef __APPLE__

#include <Block.h>

#include "mpstm_completion.h"

int mpstm_add_completion(id cb, mpstm_completion_fn fn, void *ctx) {
  SEL sel = sel_registerName("addCompletedHandler:");
  if (!mpstm_responds(cb, sel)) return 0;
  /* A heap copy, released after the call: Metal copies what it keeps. */
  void (^handler)(id) = Block_copy(^(id done) { fn(done, ctx); });
  MPSTM_FN(void (*)(id, SEL, id), mpstm_imp(cb, sel))(cb, sel, (id)handler);
  Block_release(handler);
  return 1;
}

typedef void (^mpstm_listener_block)(id event, uint64_t value);

id mpstm_wrap_notify(id block, mpstm_notify_fn fn) {
  mpstm_listener_block program = (mpstm_listener_block)block;
  if (!program) return nil;
  /* Copying the wrapper copies the captured program block (a block-typed
   * capture is retained by the heap copy), so it outlives our release. */
  mpstm_listener_block wrapper = Block_copy(^(id event, uint64_t value) {
    fn(event, value);
    program(event, value);
  });
  return (id)wrapper;
}

void mpstm_release_wrapper(id wrapper) {
  if (wrapper) Block_release((const void *)wrapper);
}

#endif /* __APPLE__ */
