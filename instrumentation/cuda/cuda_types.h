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
typedef struct {
  unsigned x, y, z;
} dim3;

/* cudaLaunchConfig_t: only `stream` is read; the leading fields fix its offset. */
typedef struct {
  dim3 gridDim;
  dim3 blockDim;
  size_t dynamicSmemBytes;
  cudaStream_t stream;
  void *attrs;
  unsigned numAttrs;
} cudaLaunchConfig_t;

/* ---- driver API (cuda.h), for the entry points reached via cuGetProcAddress */
typedef int CUresult;
typedef struct CUstream_st *CUstream; /* the same handles as cudaStream_t/cudaEvent_t */
typedef struct CUevent_st *CUevent;
typedef struct CUfunc_st *CUfunction;
typedef struct CUctx_st *CUcontext;
typedef unsigned long long CUdeviceptr;
#define CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM 0x2ull
#define CU_STREAM_LEGACY ((CUstream)0x1)
#define CU_STREAM_PER_THREAD ((CUstream)0x2)

/* CUlaunchConfig: only hStream is read; the leading fields fix its offset. */
typedef struct {
  unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes;
  CUstream hStream;
  void *attrs;
  unsigned numAttrs;
} CUlaunchConfig;

#endif
