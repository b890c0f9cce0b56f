/* Glue between the CUDA hooks and the optional CUPTI module (cupti.c). */
#ifndef MPST_CUDA_RECORDER_H
#define MPST_CUDA_RECORDER_H
#include <stdint.h>

/* CUPTI correlation id of the runtime call in progress on this thread. */
extern __thread __attribute__((tls_model("initial-exec"))) uint32_t mpst_cuda_cupti_corr;

/* Driver-entry wrappers (cuda_hooks.c, driver part): set while a wrapper is
 * in its real driver call, so CUPTI's driver callback leaves the recording to
 * the wrapper and only hands over its correlation id (mpst_cuda_drv_corr). */
extern __thread __attribute__((tls_model("initial-exec"))) uint8_t mpst_cuda_in_drv;
extern __thread __attribute__((tls_model("initial-exec"))) uint32_t mpst_cuda_drv_corr;
/* CUPTI correlation id of the outermost runtime call in progress (0 outside
 * one): a driver wrapper inside a statically linked runtime's call takes it. */
extern __thread __attribute__((tls_model("initial-exec"))) uint32_t mpst_cuda_rt_live_corr;

/* Address range [lo, hi) of a loaded library whose own driver calls are not
 * the program's (CUPTI's); 0 when none. Set by cupti.c. */
extern uintptr_t mpst_cuda_tool_lo, mpst_cuda_tool_hi;

/* Call site of a driver call made from inside a CUDA library or a statically
 * linked runtime: the first caller frame outside them (cuda_frames.c). */
uint32_t mpst_cuda_driver_site(const void *return_address, const void *wrapper);

/* The real function `name` of libcudart, or NULL. */
void *mpst_cuda_resolve(const char *name);

/* Called by every hook: starts CUPTI the first time (no-op without it). */
void mpst_cuda_lazy_init_slow(void);
extern int mpst_cuda_started;
static inline void mpst_cuda_lazy_init(void) {
  if (__builtin_expect(!mpst_cuda_started, 0)) mpst_cuda_lazy_init_slow();
}

/* Called after each host sync returns: lets CUPTI flush what completed. */
void mpst_cuda_after_sync(void);
#endif
