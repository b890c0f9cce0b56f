/* A library that uses libcudart, for drv_dlopen: loaded RTLD_LOCAL like a
 * Python extension module (torch), so libcudart is not in the global scope
 * and the recorder must find the real functions through the loaded object. */
#include "fake_cuda_api.h"
#include <stdint.h>

int user_record(uint64_t event, uint64_t stream) { return cudaEventRecord((cudaEvent_t)(uintptr_t)event, (cudaStream_t)(uintptr_t)stream); }
