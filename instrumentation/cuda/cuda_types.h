/*
 * The few CUDA runtime types the hooks need, declared here so the recorder
 * builds without CUDA headers. Layouts match cuda_runtime_api.h / driver_types.h
 * (CUDA 12 and 13).
 */
#ifndef MPST_CUDA_TYPES_H
#define MPST_CUDA_TYPES_H
#include <stddef.h>

typedef int cudaError_t;
#define cudaSuccess 0
#define cudaErrorNotReady 600
#define cudaErrorUnknown 999
#define cudaEventDisableTiming 0x02u

typedef struct CUstream_st *cudaStream_t;
typedef struct CUevent_st *cudaEvent_t;
typedef struct CUgraphExec_st *cudaGraphExec_t;
typedef struct { unsigned x, y, z; } dim3;

/* cudaLaunchConfig_t: only `stream` is read; the leading fields fix its offset. */
typedef struct {
  dim3 gridDim;
  dim3 blockDim;
  size_t dynamicSmemBytes;
  cudaStream_t stream;
  void *attrs;
  unsigned numAttrs;
} cudaLaunchConfig_t;

#endif
