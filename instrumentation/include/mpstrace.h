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

enum { MPSTRACE_READ = 1, MPSTRACE_WRITE = 2, MPSTRACE_READ_WRITE = 3 };

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

#define MPSTRACE__CALL_(name, type, args)                                      \
  do {                                                                         \
    static void *mpstrace__fn_;                                                \
    __typeof__(type) mpstrace__f_ = (__typeof__(type))mpstrace__resolve_(&mpstrace__fn_, "mpstrace_impl_" name); \
    if (mpstrace__f_) mpstrace__f_ args;                                       \
  } while (0)

/* 1 when a recorder is loaded and recording. */
static inline int mpstrace_enabled(void) {
  static void *fn;
  int (*f)(void) = (int (*)(void))mpstrace__resolve_(&fn, "mpstrace_impl_enabled");
  return f ? f() : 0;
}

/* A pool slot and its stream became owned by this thread. free_after: free
 * slots left (-1 unknown); wait_ns: how long the acquire waited. */
static inline void mpstrace_slot_acquire(uint32_t slot, uint64_t stream, int32_t free_after, int64_t wait_ns) {
  MPSTRACE__CALL_("slot_acquire", void (*)(uint32_t, uint64_t, int32_t, int64_t), (slot, stream, free_after, wait_ns));
}
/* The slot went back to the pool (at_thread_exit: from a thread-exit hook). */
static inline void mpstrace_slot_release(uint32_t slot, uint64_t stream, int32_t free_after, int at_thread_exit) {
  MPSTRACE__CALL_("slot_release", void (*)(uint32_t, uint64_t, int32_t, int), (slot, stream, free_after, at_thread_exit));
}
/* The thread's current stream was set to a slot's stream without an acquire. */
static inline void mpstrace_slot_set_current(uint32_t slot, uint64_t stream, int32_t prev_slot) {
  MPSTRACE__CALL_("slot_set_current", void (*)(uint32_t, uint64_t, int32_t), (slot, stream, prev_slot));
}
/* Brackets an operation meant to synchronize the whole device. */
static inline void mpstrace_device_sync_begin(const char *name) {
  MPSTRACE__CALL_("device_sync_begin", void (*)(const char *), (name));
}
static inline void mpstrace_device_sync_end(const char *name) {
  MPSTRACE__CALL_("device_sync_end", void (*)(const char *), (name));
}
/* The caller asked to record `event` on `stream` (before the runtime chose
 * which backend call to make). */
static inline void mpstrace_intent_record(uint64_t event, uint64_t stream) {
  MPSTRACE__CALL_("intent_record", void (*)(uint64_t, uint64_t), (event, stream));
}
/* The caller asked `stream` to wait for `event`. */
static inline void mpstrace_intent_wait(uint64_t event, uint64_t stream) {
  MPSTRACE__CALL_("intent_wait", void (*)(uint64_t, uint64_t), (event, stream));
}
static inline void mpstrace_range_push(const char *name) {
  MPSTRACE__CALL_("range_push", void (*)(const char *), (name));
}
static inline void mpstrace_range_pop(void) { MPSTRACE__CALL_("range_pop", void (*)(void), ()); }
static inline void mpstrace_marker(const char *name) { MPSTRACE__CALL_("marker", void (*)(const char *), (name)); }
/* The next launch on `stream` touches [ptr, ptr+bytes): mode MPSTRACE_READ,
 * MPSTRACE_WRITE or MPSTRACE_READ_WRITE. */
static inline void mpstrace_buffer_access(const void *ptr, uint64_t bytes, uint64_t stream, int mode) {
  MPSTRACE__CALL_("buffer_access", void (*)(const void *, uint64_t, uint64_t, int), (ptr, bytes, stream, mode));
}
/* A backend object (e.g. a command batch) came alive, held by `owner` (a
 * stream or pool handle); `type` is an enum mpst_object_type value
 * (1 command_buffer ... 8 other). Lets the retained-buffer rule see objects
 * that outlive their owner. */
static inline void mpstrace_object_create(uint64_t obj, uint64_t owner, uint64_t bytes, int type) {
  MPSTRACE__CALL_("object_create", void (*)(uint64_t, uint64_t, uint64_t, int), (obj, owner, bytes, type));
}
static inline void mpstrace_object_destroy(uint64_t obj, int type) {
  MPSTRACE__CALL_("object_destroy", void (*)(uint64_t, int), (obj, type));
}

#ifdef __cplusplus
}
#endif
#endif
