/* Generated from instrumentation/schema/events.json by `npm run gen`. Do not edit. */
/*
 * mpstrace annotation API: lets a runtime (e.g. a stream pool) declare intent
 * that no API hook can see. Header-only; link nothing. When no recorder is
 * loaded (no LD_PRELOAD / DYLD_INSERT_LIBRARIES), every call is a no-op: the
 * first call of each function looks its implementation up once with dlsym and
 * caches the answer, later calls cost one load and one branch.
 * Link with -ldl on glibc older than 2.34.
 *
 * Streams and events are the backend's handles as integers
 * (cudaStream_t / cudaEvent_t cast to uint64_t; for PyTorch,
 * torch.cuda.Stream.cuda_stream and torch.cuda.Event.cuda_event).
 */
#ifndef MPSTRACE_H
#define MPSTRACE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* RTLD_DEFAULT */
#endif
#include <dlfcn.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a launch touches a buffer. */
enum { MPSTRACE_ACCESS_MODE_READ = 1, MPSTRACE_ACCESS_MODE_WRITE = 2, MPSTRACE_ACCESS_MODE_READ_WRITE = 3 };
/* Backend object kinds tracked for lifetimes. */
enum { MPSTRACE_OBJECT_TYPE_COMMAND_BUFFER = 1, MPSTRACE_OBJECT_TYPE_COMMAND_QUEUE = 2, MPSTRACE_OBJECT_TYPE_SHARED_EVENT = 3, MPSTRACE_OBJECT_TYPE_ENCODER = 4, MPSTRACE_OBJECT_TYPE_STREAM = 5, MPSTRACE_OBJECT_TYPE_EVENT = 6, MPSTRACE_OBJECT_TYPE_GRAPH = 7, MPSTRACE_OBJECT_TYPE_OTHER = 8 };
/* What a host sync waits for. */
enum { MPSTRACE_SYNC_SCOPE_DEVICE = 1, MPSTRACE_SYNC_SCOPE_STREAM = 2, MPSTRACE_SYNC_SCOPE_EVENT = 3, MPSTRACE_SYNC_SCOPE_COPY = 4, MPSTRACE_SYNC_SCOPE_OTHER = 5 };
/* How much the PyTorch layer (mpstrace.torch) records. */
enum { MPSTRACE_TORCH_LEVEL_OFF = 0, MPSTRACE_TORCH_LEVEL_API = 1, MPSTRACE_TORCH_LEVEL_FULL = 2 };
/* Which allocator an allocation came from. */
enum { MPSTRACE_MEM_KIND_DEVICE = 1, MPSTRACE_MEM_KIND_HOST_PINNED = 2, MPSTRACE_MEM_KIND_DEVICE_ASYNC = 3, MPSTRACE_MEM_KIND_MANAGED = 4, MPSTRACE_MEM_KIND_METAL_BUFFER = 5, MPSTRACE_MEM_KIND_OTHER = 6, MPSTRACE_MEM_KIND_TORCH_BLOCK = 7 };
/* Bits of the `pause` annotation: which parts of the recorder stop (for measuring each part's cost in one process). */
enum { MPSTRACE_PAUSE_PART_HOOKS = 1, MPSTRACE_PAUSE_PART_COMPLETIONS = 2, MPSTRACE_PAUSE_PART_CALLBACKS = 4, MPSTRACE_PAUSE_PART_FLUSH = 8, MPSTRACE_PAUSE_PART_ALL = 15 };

/* Resolves `name` once; (void *)1 marks "looked up, absent". */
static inline void *mpstrace__resolve_(void **cache, const char *name) {
  void *f = __atomic_load_n(cache, __ATOMIC_RELAXED);
  if (__builtin_expect(f == 0, 0)) {
    f = dlsym(RTLD_DEFAULT, name);
    if (!f) f = (void *)1;
    __atomic_store_n(cache, f, __ATOMIC_RELAXED);
  }
  return f == (void *)1 ? 0 : f;
}

/* 1 when a recorder is loaded and recording. */
static inline int mpstrace_enabled(void) {
  static void *fn;
  int (*f)(void) = (int (*)(void))mpstrace__resolve_(&fn, "mpstrace_impl_enabled");
  return f ? f() : 0;
}
/* A pool slot and its stream became owned by this thread. free_after: free slots left (-1 unknown); wait_ns: how long the acquire waited. */
static inline void mpstrace_slot_acquire(uint32_t slot, uint64_t stream, int32_t free_after, int64_t wait_ns) {
  static void *fn;
  void (*f)(uint32_t, uint64_t, int32_t, int64_t) = (void (*)(uint32_t, uint64_t, int32_t, int64_t))mpstrace__resolve_(&fn, "mpstrace_impl_slot_acquire");
  if (f) f(slot, stream, free_after, wait_ns);
}
/* The slot went back to the pool (at_thread_exit: from a thread-exit hook). */
static inline void mpstrace_slot_release(uint32_t slot, uint64_t stream, int32_t free_after, int at_thread_exit) {
  static void *fn;
  void (*f)(uint32_t, uint64_t, int32_t, int) = (void (*)(uint32_t, uint64_t, int32_t, int))mpstrace__resolve_(&fn, "mpstrace_impl_slot_release");
  if (f) f(slot, stream, free_after, at_thread_exit);
}
/* The thread's current stream was set to a slot's stream without an acquire. */
static inline void mpstrace_slot_set_current(uint32_t slot, uint64_t stream, int32_t prev_slot) {
  static void *fn;
  void (*f)(uint32_t, uint64_t, int32_t) = (void (*)(uint32_t, uint64_t, int32_t))mpstrace__resolve_(&fn, "mpstrace_impl_slot_set_current");
  if (f) f(slot, stream, prev_slot);
}
/* Brackets an operation meant to synchronize the whole device (a hang inside it leaves watchdog heartbeats naming it). */
static inline void mpstrace_device_sync_begin(const char *name) {
  static void *fn;
  void (*f)(const char *) = (void (*)(const char *))mpstrace__resolve_(&fn, "mpstrace_impl_device_sync_begin");
  if (f) f(name);
}
static inline void mpstrace_device_sync_end(const char *name) {
  static void *fn;
  void (*f)(const char *) = (void (*)(const char *))mpstrace__resolve_(&fn, "mpstrace_impl_device_sync_end");
  if (f) f(name);
}
/* The caller asked to record `event` on `stream` (before the runtime chose which backend call to make). */
static inline void mpstrace_intent_record(uint64_t event, uint64_t stream) {
  static void *fn;
  void (*f)(uint64_t, uint64_t) = (void (*)(uint64_t, uint64_t))mpstrace__resolve_(&fn, "mpstrace_impl_intent_record");
  if (f) f(event, stream);
}
/* The caller asked `stream` to wait for `event`. */
static inline void mpstrace_intent_wait(uint64_t event, uint64_t stream) {
  static void *fn;
  void (*f)(uint64_t, uint64_t) = (void (*)(uint64_t, uint64_t))mpstrace__resolve_(&fn, "mpstrace_impl_intent_wait");
  if (f) f(event, stream);
}
static inline void mpstrace_range_push(const char *name) {
  static void *fn;
  void (*f)(const char *) = (void (*)(const char *))mpstrace__resolve_(&fn, "mpstrace_impl_range_push");
  if (f) f(name);
}
static inline void mpstrace_range_pop(void) {
  static void *fn;
  void (*f)(void) = (void (*)(void))mpstrace__resolve_(&fn, "mpstrace_impl_range_pop");
  if (f) f();
}
static inline void mpstrace_marker(const char *name) {
  static void *fn;
  void (*f)(const char *) = (void (*)(const char *))mpstrace__resolve_(&fn, "mpstrace_impl_marker");
  if (f) f(name);
}
/* The next launch on `stream` touches [ptr, ptr+bytes) (mode: MPSTRACE_ACCESS_MODE_*). mode: MPSTRACE_ACCESS_MODE_* */
static inline void mpstrace_buffer_access(const void *ptr, uint64_t bytes, uint64_t stream, int mode) {
  static void *fn;
  void (*f)(const void *, uint64_t, uint64_t, int) = (void (*)(const void *, uint64_t, uint64_t, int))mpstrace__resolve_(&fn, "mpstrace_impl_buffer_access");
  if (f) f(ptr, bytes, stream, mode);
}
/* A backend object (e.g. a command batch) came alive, held by `owner` (a stream or pool handle). Lets the retained-buffer rule see objects that outlive their owner. type: MPSTRACE_OBJECT_TYPE_* */
static inline void mpstrace_object_create(uint64_t obj, uint64_t owner, uint64_t bytes, int type) {
  static void *fn;
  void (*f)(uint64_t, uint64_t, uint64_t, int) = (void (*)(uint64_t, uint64_t, uint64_t, int))mpstrace__resolve_(&fn, "mpstrace_impl_object_create");
  if (f) f(obj, owner, bytes, type);
}
/* type: MPSTRACE_OBJECT_TYPE_* */
static inline void mpstrace_object_destroy(uint64_t obj, int type) {
  static void *fn;
  void (*f)(uint64_t, int) = (void (*)(uint64_t, int))mpstrace__resolve_(&fn, "mpstrace_impl_object_destroy");
  if (f) f(obj, type);
}
/* A blocking host call that only the language binding sees (e.g. torch.mps.synchronize) began: the same record a backend hook writes. scope: MPSTRACE_SYNC_SCOPE_* */
static inline void mpstrace_sync_begin(uint64_t target, int scope, const char *api) {
  static void *fn;
  void (*f)(uint64_t, int, const char *) = (void (*)(uint64_t, int, const char *))mpstrace__resolve_(&fn, "mpstrace_impl_sync_begin");
  if (f) f(target, scope, api);
}
/* scope: MPSTRACE_SYNC_SCOPE_* */
static inline void mpstrace_sync_end(uint64_t target, int scope, const char *api, int32_t result) {
  static void *fn;
  void (*f)(uint64_t, int, const char *, int32_t) = (void (*)(uint64_t, int, const char *, int32_t))mpstrace__resolve_(&fn, "mpstrace_impl_sync_end");
  if (f) f(target, scope, api, result);
}
static inline void mpstrace_event_query(uint64_t event, int32_t result) {
  static void *fn;
  void (*f)(uint64_t, int32_t) = (void (*)(uint64_t, int32_t))mpstrace__resolve_(&fn, "mpstrace_impl_event_query");
  if (f) f(event, result);
}
static inline void mpstrace_elapsed_begin(uint64_t start_event, uint64_t end_event) {
  static void *fn;
  void (*f)(uint64_t, uint64_t) = (void (*)(uint64_t, uint64_t))mpstrace__resolve_(&fn, "mpstrace_impl_elapsed_begin");
  if (f) f(start_event, end_event);
}
static inline void mpstrace_elapsed_end(uint64_t start_event, uint64_t end_event, int64_t elapsed_ns, int32_t error) {
  static void *fn;
  void (*f)(uint64_t, uint64_t, int64_t, int32_t) = (void (*)(uint64_t, uint64_t, int64_t, int32_t))mpstrace__resolve_(&fn, "mpstrace_impl_elapsed_end");
  if (f) f(start_event, end_event, elapsed_ns, error);
}
/* The PyTorch layer (mpstrace.torch): the program called a public sync of its framework. scope: MPSTRACE_SYNC_SCOPE_* */
static inline void mpstrace_api_sync_begin(uint64_t target, int scope, const char *api) {
  static void *fn;
  void (*f)(uint64_t, int, const char *) = (void (*)(uint64_t, int, const char *))mpstrace__resolve_(&fn, "mpstrace_impl_api_sync_begin");
  if (f) f(target, scope, api);
}
/* scope: MPSTRACE_SYNC_SCOPE_* */
static inline void mpstrace_api_sync_end(uint64_t target, int scope, const char *api, int32_t result) {
  static void *fn;
  void (*f)(uint64_t, int, const char *, int32_t) = (void (*)(uint64_t, int, const char *, int32_t))mpstrace__resolve_(&fn, "mpstrace_impl_api_sync_end");
  if (f) f(target, scope, api, result);
}
static inline void mpstrace_api_current_stream(uint64_t stream, uint64_t prev, int32_t device) {
  static void *fn;
  void (*f)(uint64_t, uint64_t, int32_t) = (void (*)(uint64_t, uint64_t, int32_t))mpstrace__resolve_(&fn, "mpstrace_impl_api_current_stream");
  if (f) f(stream, prev, device);
}
static inline void mpstrace_api_elapsed(uint64_t start_event, uint64_t end_event, int64_t elapsed_ns, int start_timing, int end_timing, int raised) {
  static void *fn;
  void (*f)(uint64_t, uint64_t, int64_t, int, int, int) = (void (*)(uint64_t, uint64_t, int64_t, int, int, int))mpstrace__resolve_(&fn, "mpstrace_impl_api_elapsed");
  if (f) f(start_event, end_event, elapsed_ns, start_timing, end_timing, raised);
}
static inline void mpstrace_api_record_stream(uint64_t ptr, uint64_t bytes, uint64_t stream) {
  static void *fn;
  void (*f)(uint64_t, uint64_t, uint64_t) = (void (*)(uint64_t, uint64_t, uint64_t))mpstrace__resolve_(&fn, "mpstrace_impl_api_record_stream");
  if (f) f(ptr, bytes, stream);
}
/* mode: MPSTRACE_ACCESS_MODE_* */
static inline void mpstrace_tensor_access(uint64_t ptr, uint64_t bytes, uint64_t base, uint64_t stream, const char *op, int mode) {
  static void *fn;
  void (*f)(uint64_t, uint64_t, uint64_t, uint64_t, const char *, int) = (void (*)(uint64_t, uint64_t, uint64_t, uint64_t, const char *, int))mpstrace__resolve_(&fn, "mpstrace_impl_tensor_access");
  if (f) f(ptr, bytes, base, stream, op, mode);
}
/* mode: MPSTRACE_ACCESS_MODE_* */
static inline void mpstrace_host_access(uint64_t ptr, uint64_t bytes, uint64_t base, const char *op, int mode) {
  static void *fn;
  void (*f)(uint64_t, uint64_t, uint64_t, const char *, int) = (void (*)(uint64_t, uint64_t, uint64_t, const char *, int))mpstrace__resolve_(&fn, "mpstrace_impl_host_access");
  if (f) f(ptr, bytes, base, op, mode);
}
/* level: MPSTRACE_TORCH_LEVEL_* */
static inline void mpstrace_api_layer(int level, int ok, const char *message) {
  static void *fn;
  void (*f)(int, int, const char *) = (void (*)(int, int, const char *))mpstrace__resolve_(&fn, "mpstrace_impl_api_layer");
  if (f) f(level, ok, message);
}
/* A block of a framework's caching allocator as tensor storages see it. mem: MPSTRACE_MEM_KIND_* */
static inline void mpstrace_alloc(uint64_t ptr, uint64_t bytes, uint64_t stream, int mem) {
  static void *fn;
  void (*f)(uint64_t, uint64_t, uint64_t, int) = (void (*)(uint64_t, uint64_t, uint64_t, int))mpstrace__resolve_(&fn, "mpstrace_impl_alloc");
  if (f) f(ptr, bytes, stream, mem);
}
/* mem: MPSTRACE_MEM_KIND_* */
static inline void mpstrace_free(uint64_t ptr, uint64_t stream, int mem) {
  static void *fn;
  void (*f)(uint64_t, uint64_t, int) = (void (*)(uint64_t, uint64_t, int))mpstrace__resolve_(&fn, "mpstrace_impl_free");
  if (f) f(ptr, stream, mem);
}
/* Stops parts of the recorder from now on in the whole process (0 resumes all; returns the parts paused before): hooks call straight through and write nothing, completions stops CUPTI's per-kernel activity records, callbacks CUPTI's API callbacks (launches then carry the recorder's own correlation ids), flush the CUPTI flush after a sync. For measuring each part's cost in one process (bench/cuda/overhead.py --paired): a marker record names each change, and the rules do not know what a paused stretch left out. parts: MPSTRACE_PAUSE_PART_* */
static inline int mpstrace_pause(int parts) {
  static void *fn;
  int (*f)(int) = (int (*)(int))mpstrace__resolve_(&fn, "mpstrace_impl_pause");
  return f ? f(parts) : 0;
}

#ifdef __cplusplus
}
#endif
#endif
