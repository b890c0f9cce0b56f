/* Glue between the CUDA hooks and the optional CUPTI module (cupti.c). */
#ifndef MPST_CUDA_RECORDER_H
#define MPST_CUDA_RECORDER_H
#include <stdint.h>

/* CUPTI correlation id of the runtime call in progress on this thread. */
extern __thread __attribute__((tls_model("initial-exec"))) uint32_t mpst_cuda_cupti_corr;

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
