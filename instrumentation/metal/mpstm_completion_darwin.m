/*
 * Apple implementation of mpstm_add_completion: a block registered with
 * -[MTLCommandBuffer addCompletedHandler:]. Darwin only; needs -fblocks.
 *
 * UNTESTED ON APPLE HARDWARE. The handler runs on a Metal completion thread
 * and reads GPUStartTime/GPUEndTime there (seconds of mach host time, 0 until
 * the buffer completes; metal.md §8).
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

#endif /* __APPLE__ */
