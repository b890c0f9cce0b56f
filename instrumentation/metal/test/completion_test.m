/* Test implementation of mpstm_add_completion: the stand-in command buffer
 * takes a C function (GCC's Objective-C has no blocks). The Apple build uses
 * mpstm_completion_darwin.m instead. */
#include "../mpstm_completion.h"

int mpstm_add_completion(id cb, mpstm_completion_fn fn, void *ctx) {
  SEL sel = sel_registerName("mpstmTestAddCompletion:context:");
  if (!mpstm_responds(cb, sel)) return 0;
  ((void (*)(id, SEL, void *, void *))mpstm_imp(cb, sel))(cb, sel, (void *)fn, ctx);
  return 1;
}
