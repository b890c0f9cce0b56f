/* Built instead of cupti.c where no CUPTI headers were found: no completion
 * records, process_start.flags bit 1 stays clear. */
#include "cuda_recorder.h"

int mpst_cuda_started;
void mpst_cuda_lazy_init_slow(void) { mpst_cuda_started = 1; }
void mpst_cuda_after_sync(void) {}
