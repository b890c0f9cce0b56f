// Host cost of one kernel launch (and of a cudaEventRecord+cudaEventQuery
// pair) with CUPTI used by the program itself, one part at a time, so the
// recorder's CUPTI cost can be split into its parts (issue 16):
//
//   launchcost [--cupti MODE] [N]
//
// MODE (no recorder involved; run without LD_PRELOAD):
//   none    no CUPTI
//   act     activity records: CONCURRENT_KERNEL, MEMCPY, MEMSET (what the recorder enables)
//   cb      callback subscription only: the recorder's runtime launch/copy/fill ids and
//           its driver launch/copy/fill ids, the callback storing the correlation id in TLS
//   cbrt    as cb, runtime ids only
//   cbdrv   as cb, driver ids only
//   cbreg   as cb, plus the activity buffer callbacks registered and a 100 ms flush
//           period, no activity kind enabled (the recorder's MPSTRACE_CUPTI_SAMPLE=0)
//   both    act + cb (the recorder's CUPTI configuration)
//   actrt   act + runtime-API activity records for the launch entry points only
//   ext     actrt + EXTERNAL_CORRELATION records, one push/pop of an external id per launch
// With the recorder preloaded, run with --cupti none (the recorder brings its own).
// Launches are timed in batches of 256 (drained between batches so the queue never
// blocks); the value printed is the median batch's ns per launch. Last line key=value.
#include "benchkit.cuh"
#include <cuda_runtime.h>
#include <cupti.h>
#include <algorithm>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vector>

#define CUPTI_OK(x)                                                                                                                        \
  do {                                                                                                                                     \
    CUptiResult r_ = (x);                                                                                                                  \
    if (r_ != CUPTI_SUCCESS) {                                                                                                             \
      fprintf(stderr, "%s: CUPTI error %d\n", #x, (int)r_);                                                                                \
      return 1;                                                                                                                            \
    }                                                                                                                                      \
  } while (0)

static __thread uint32_t corr_tls;
static volatile uint32_t corr_last;
static volatile uint64_t callbacks;
static uint64_t n_kernel, n_ext, n_runtime, n_other;

static void CUPTIAPI on_cb(void *, CUpti_CallbackDomain, CUpti_CallbackId, const void *data) {
  const CUpti_CallbackData *cb = (const CUpti_CallbackData *)data;
  if (cb->callbackSite == CUPTI_API_ENTER) corr_tls = cb->correlationId;
  else corr_last = corr_tls;
  callbacks = callbacks + 1;
}

static void CUPTIAPI buf_req(uint8_t **buf, size_t *size, size_t *max) {
  *buf = (uint8_t *)aligned_alloc(8, 1 << 20);
  *size = 1 << 20;
  *max = 0;
}

static void CUPTIAPI buf_done(CUcontext, uint32_t, uint8_t *buf, size_t, size_t valid) {
  CUpti_Activity *rec = NULL;
  while (cuptiActivityGetNextRecord(buf, valid, &rec) == CUPTI_SUCCESS) {
    if (rec->kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL || rec->kind == CUPTI_ACTIVITY_KIND_KERNEL) n_kernel++;
    else if (rec->kind == CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION) n_ext++;
    else if (rec->kind == CUPTI_ACTIVITY_KIND_RUNTIME) n_runtime++;
    else n_other++;
  }
  free(buf);
}

static const CUpti_CallbackId RT_IDS[] = {
  CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000,    CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernelExC_v11060,
  CUPTI_RUNTIME_TRACE_CBID_cudaGraphLaunch_v10000,    CUPTI_RUNTIME_TRACE_CBID_cudaMemcpy_v3020,
  CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020,     CUPTI_RUNTIME_TRACE_CBID_cudaMemset_v3020,
  CUPTI_RUNTIME_TRACE_CBID_cudaMemsetAsync_v3020,
#if CUPTI_API_VERSION >= 130000
  CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_v13000,
#endif
};
static const CUpti_CallbackId DRV_IDS[] = {
  CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel,          CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx,        CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx_ptsz,
  CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel, CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch,
  CUPTI_DRIVER_TRACE_CBID_cuMemcpyAsync,           CUPTI_DRIVER_TRACE_CBID_cuMemcpyHtoDAsync_v2,
  CUPTI_DRIVER_TRACE_CBID_cuMemsetD8Async,         CUPTI_DRIVER_TRACE_CBID_cuMemsetD32Async,
};

static int setup(const char *mode) {
  int act = 0, cbrt = 0, cbdrv = 0, actrt = 0, ext = 0, reg = 0;
  if (!strcmp(mode, "none")) return 0;
  if (!strcmp(mode, "act")) act = 1;
  else if (!strcmp(mode, "cb")) cbrt = cbdrv = 1;
  else if (!strcmp(mode, "cbrt")) cbrt = 1;
  else if (!strcmp(mode, "cbdrv")) cbdrv = 1;
  else if (!strcmp(mode, "cbreg")) cbrt = cbdrv = reg = 1;
  else if (!strcmp(mode, "both")) act = cbrt = cbdrv = 1;
  else if (!strcmp(mode, "actrt")) act = actrt = 1;
  else if (!strcmp(mode, "ext")) act = actrt = ext = 1;
  else {
    fprintf(stderr, "unknown --cupti mode %s\n", mode);
    return 1;
  }
  if (cbrt || cbdrv) {
    CUpti_SubscriberHandle sub;
    CUPTI_OK(cuptiSubscribe(&sub, (CUpti_CallbackFunc)on_cb, NULL));
    if (cbrt)
      for (CUpti_CallbackId id : RT_IDS) CUPTI_OK(cuptiEnableCallback(1, sub, CUPTI_CB_DOMAIN_RUNTIME_API, id));
    if (cbdrv)
      for (CUpti_CallbackId id : DRV_IDS) CUPTI_OK(cuptiEnableCallback(1, sub, CUPTI_CB_DOMAIN_DRIVER_API, id));
  }
  if (act || actrt || ext || reg) CUPTI_OK(cuptiActivityRegisterCallbacks(buf_req, buf_done));
  if (reg) {
    uint64_t ts;
    CUPTI_OK(cuptiActivityFlushPeriod(100));
    CUPTI_OK(cuptiGetTimestamp(&ts));
  }
  if (act) {
    CUPTI_OK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL));
    CUPTI_OK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_MEMCPY));
    CUPTI_OK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_MEMSET));
  }
  if (actrt) {
    CUPTI_OK(cuptiActivityEnableRuntimeApi(CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, 1));
#if CUPTI_API_VERSION >= 130000
    CUPTI_OK(cuptiActivityEnableRuntimeApi(CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_v13000, 1));
#endif
  }
  if (ext) CUPTI_OK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION));
  return 0;
}

int main(int argc, char **argv) {
  const char *mode = "none";
  long n = 100000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--cupti") && i + 1 < argc) mode = argv[++i];
    else n = atol(argv[i]);
  }
  if (setup(mode)) return 1;
  int ext = !strcmp(mode, "ext");
  cudaStream_t s;
  cudaEvent_t e;
  int *d;
  CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  CHECK(cudaMalloc(&d, 4));
  for (int i = 0; i < 2000; i++) tiny<<<1, 32, 0, s>>>(d);
  CHECK(cudaStreamSynchronize(s));

  const int B = 256;
  std::vector<double> per;
  uint64_t id = 1;
  for (long done = 0; done < n; done += B) {
    double a = now_ns();
    if (ext) {
      for (int i = 0; i < B; i++) {
        cuptiActivityPushExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, id++);
        tiny<<<1, 32, 0, s>>>(d);
        cuptiActivityPopExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, NULL);
      }
    } else {
      for (int i = 0; i < B; i++) tiny<<<1, 32, 0, s>>>(d);
    }
    per.push_back((now_ns() - a) / B);
    cudaStreamSynchronize(s);
  }
  CHECK(cudaGetLastError());
  std::vector<double> ev;
  for (long done = 0; done < n; done += B) {
    double a = now_ns();
    for (int i = 0; i < B; i++) {
      cudaEventRecord(e, s);
      cudaEventQuery(e);
    }
    ev.push_back((now_ns() - a) / (2.0 * B));
  }
  CHECK(cudaStreamSynchronize(s));
  std::sort(per.begin(), per.end());
  std::sort(ev.begin(), ev.end());
  if (strcmp(mode, "none")) cuptiActivityFlushAll(1);
  printf("mode=%s ns_per_launch=%.1f ns_per_launch_p90=%.1f ns_per_event_call=%.1f callbacks=%llu kernel_recs=%llu ext_recs=%llu "
         "runtime_recs=%llu other_recs=%llu\n",
         mode, per[per.size() / 2], per[per.size() * 9 / 10], ev[ev.size() / 2], (unsigned long long)callbacks,
         (unsigned long long)n_kernel, (unsigned long long)n_ext, (unsigned long long)n_runtime, (unsigned long long)n_other);
  return 0;
}
