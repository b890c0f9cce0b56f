/*
 * The annotation API's implementation: what instrumentation/include/mpstrace.h
 * and the Python module call (by name, through dlsym) when a recorder is
 * loaded. Each call is one record; the call site is the caller of the API.
 * The entry points are declared once, in the `annotations` table of
 * instrumentation/schema/events.json; mpst_api.generated.h holds their
 * prototypes, so a definition here that disagrees with the table (or the C
 * header and the Python binding generated from it) does not compile.
 */
#include "mpst_internal.h"
#include "mpst_api.generated.h"

#include <stdio.h>
#include <string.h>

#define BEGIN_ANNOTATION                                                                                                                   \
  if (!mpst_enter()) return;                                                                                                               \
  uint32_t site = T.next_site ? T.next_site : mpst_callsite(__builtin_return_address(0));                                                  \
  T.next_site = 0;                                                                                                                         \
  int64_t ts = mpst_now()
#define END_ANNOTATION mpst_leave()

MPST_EXPORT int mpstrace_impl_enabled(void) { return mpst_enabled(); }

/* A language binding names the caller of its next annotation on this thread
 * (seen from C, every Python annotation would come from libffi). */
MPST_EXPORT void mpstrace_impl_set_site(const char *symbol, const char *module, uint64_t line) {
  if (!mpst_enter()) return;
  T.next_site = mpst_callsite_named(symbol, module, line);
  mpst_leave();
}

/* A language binding enters one of its API calls: until the matching
 * pop_site, every record this thread writes (hooked backend calls included)
 * names this site. Returns the previous one, for nesting; pop_site(prev)
 * restores it. Two TLS stores on the hot path, nothing else. */
MPST_EXPORT uint32_t mpstrace_impl_push_site(const char *symbol, const char *module, uint64_t line) {
  uint32_t prev = T.py_site;
  if (!mpst_enter()) return prev;
  T.py_site = 0; /* the site of a named site is not the previous Python one */
  uint32_t id = mpst_callsite_named(symbol, module, line);
  T.py_site = id ? id : prev;
  mpst_leave();
  return prev;
}

MPST_EXPORT void mpstrace_impl_pop_site(uint32_t prev) { T.py_site = prev; }

MPST_EXPORT void mpstrace_impl_slot_acquire(uint32_t slot, uint64_t stream, int32_t free_after, int64_t wait_ns) {
  BEGIN_ANNOTATION;
  mpst_emit_slot_acquire_at(ts, site, stream, slot, free_after, wait_ns, MPST_SLOT_SOURCE_ANNOTATION);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_slot_release(uint32_t slot, uint64_t stream, int32_t free_after, int at_thread_exit) {
  BEGIN_ANNOTATION;
  mpst_emit_slot_release_at(ts, site, stream, slot, free_after, at_thread_exit != 0, MPST_SLOT_SOURCE_ANNOTATION);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_slot_set_current(uint32_t slot, uint64_t stream, int32_t prev_slot) {
  BEGIN_ANNOTATION;
  mpst_emit_slot_set_current_at(ts, site, stream, slot, prev_slot, MPST_SLOT_SOURCE_ANNOTATION);
  END_ANNOTATION;
}

/* An annotated device sync counts as a blocking call for the watchdog, so a
 * hang inside it leaves heartbeats naming it. */
MPST_EXPORT void mpstrace_impl_device_sync_begin(const char *name) {
  BEGIN_ANNOTATION;
  uint32_t id = mpst_intern(name);
  mpst_emit_intent_device_sync_begin_at(ts, site, id);
  mpst_blocking_begin(0, MPST_SYNC_SCOPE_DEVICE, id);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_device_sync_end(const char *name) {
  BEGIN_ANNOTATION;
  mpst_blocking_end();
  mpst_emit_intent_device_sync_end_at(ts, site, mpst_intern(name));
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_intent_record(uint64_t event, uint64_t stream) {
  BEGIN_ANNOTATION;
  mpst_emit_intent_record_at(ts, site, event, stream);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_intent_wait(uint64_t event, uint64_t stream) {
  BEGIN_ANNOTATION;
  mpst_emit_intent_wait_at(ts, site, event, stream);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_range_push(const char *name) {
  BEGIN_ANNOTATION;
  mpst_emit_range_push_at(ts, site, mpst_intern(name));
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_range_pop(void) {
  BEGIN_ANNOTATION;
  mpst_emit_range_pop_at(ts, site);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_marker(const char *name) {
  BEGIN_ANNOTATION;
  mpst_emit_marker_at(ts, site, mpst_intern(name));
  END_ANNOTATION;
}

/* An access_mode from an annotation's int: an unknown value is taken as read_write
 * (the conservative reading: it conflicts with every other access). */
static uint8_t access_mode(int mode) { return mode >= 1 && mode <= 3 ? (uint8_t)mode : MPST_ACCESS_MODE_READ_WRITE; }

MPST_EXPORT void mpstrace_impl_buffer_access(const void *ptr, uint64_t bytes, uint64_t stream, int mode) {
  BEGIN_ANNOTATION;
  uint8_t m = access_mode(mode);
  mpst_emit_buffer_access_at(ts, site, (uint64_t)(uintptr_t)ptr, bytes, stream, m);
  END_ANNOTATION;
}

/* Host-side calls that only the language binding sees (e.g. torch.mps.synchronize,
 * torch.mps.Event.synchronize/query/elapsed_time from the Python companion
 * mpstrace/mps.py): same records as the backend hooks write. */
MPST_EXPORT void mpstrace_impl_sync_begin(uint64_t target, int scope, const char *api) {
  BEGIN_ANNOTATION;
  uint32_t api_id = mpst_intern(api);
  mpst_emit_sync_begin_at(ts, site, target, (uint8_t)scope, api_id);
  mpst_blocking_begin(target, (uint8_t)scope, api_id);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_sync_end(uint64_t target, int scope, const char *api, int32_t result) {
  BEGIN_ANNOTATION;
  mpst_blocking_end();
  mpst_emit_sync_end_at(ts, site, target, (uint8_t)scope, mpst_intern(api), result);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_event_query(uint64_t event, int32_t result) {
  BEGIN_ANNOTATION;
  mpst_emit_event_query_at(ts, site, event, result);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_elapsed_begin(uint64_t start_event, uint64_t end_event) {
  BEGIN_ANNOTATION;
  mpst_emit_elapsed_begin_at(ts, site, start_event, end_event);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_elapsed_end(uint64_t start_event, uint64_t end_event, int64_t elapsed_ns, int32_t error) {
  BEGIN_ANNOTATION;
  mpst_emit_elapsed_end_at(ts, site, start_event, end_event, elapsed_ns, error);
  END_ANNOTATION;
}

/* Backend object lifetimes a runtime knows and no hook sees (e.g. the command
 * batch a pool stream keeps alive): `type` is an enum mpst_object_type value. */
MPST_EXPORT void mpstrace_impl_object_create(uint64_t obj, uint64_t owner, uint64_t bytes, int type) {
  BEGIN_ANNOTATION;
  uint8_t t = type >= 1 && type <= MPST_OBJECT_TYPE_OTHER ? (uint8_t)type : MPST_OBJECT_TYPE_OTHER;
  mpst_emit_object_create_at(ts, site, obj, owner, bytes, t);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_object_destroy(uint64_t obj, int type) {
  BEGIN_ANNOTATION;
  uint8_t t = type >= 1 && type <= MPST_OBJECT_TYPE_OTHER ? (uint8_t)type : MPST_OBJECT_TYPE_OTHER;
  mpst_emit_object_destroy_at(ts, site, obj, t);
  END_ANNOTATION;
}

/* The PyTorch layer (instrumentation/python/mpstrace/torch.py): what an
 * unmodified program asked of torch's public API, and what its ops touched. */
MPST_EXPORT void mpstrace_impl_api_sync_begin(uint64_t target, int scope, const char *api) {
  BEGIN_ANNOTATION;
  uint32_t api_id = mpst_intern(api);
  mpst_emit_api_sync_begin_at(ts, site, target, (uint8_t)scope, api_id);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_api_sync_end(uint64_t target, int scope, const char *api, int32_t result) {
  BEGIN_ANNOTATION;
  mpst_emit_api_sync_end_at(ts, site, target, (uint8_t)scope, mpst_intern(api), result);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_api_current_stream(uint64_t stream, uint64_t prev, int32_t device) {
  BEGIN_ANNOTATION;
  mpst_emit_api_current_stream_at(ts, site, stream, prev, device);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_api_elapsed(uint64_t start_event, uint64_t end_event, int64_t elapsed_ns, int start_timing, int end_timing,
                                           int raised) {
  BEGIN_ANNOTATION;
  mpst_emit_api_elapsed_at(ts, site, start_event, end_event, elapsed_ns, start_timing != 0, end_timing != 0, raised != 0);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_api_record_stream(uint64_t ptr, uint64_t bytes, uint64_t stream) {
  BEGIN_ANNOTATION;
  mpst_emit_api_record_stream_at(ts, site, ptr, bytes, stream);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_tensor_access(uint64_t ptr, uint64_t bytes, uint64_t base, uint64_t stream, const char *op, int mode) {
  BEGIN_ANNOTATION;
  uint8_t m = access_mode(mode);
  mpst_emit_tensor_access_at(ts, site, ptr, bytes, base, stream, mpst_intern(op), m);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_host_access(uint64_t ptr, uint64_t bytes, uint64_t base, const char *op, int mode) {
  BEGIN_ANNOTATION;
  uint8_t m = access_mode(mode);
  mpst_emit_host_access_at(ts, site, ptr, bytes, base, mpst_intern(op), m);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_api_layer(int level, int ok, const char *message) {
  BEGIN_ANNOTATION;
  mpst_emit_api_layer_at(ts, site, (uint8_t)level, ok != 0, mpst_intern(message));
  END_ANNOTATION;
}

/* Blocks of a framework's caching allocator as tensor storages see them
 * (`mem` is an enum mpst_mem_kind value, MPST_MEM_KIND_TORCH_BLOCK from torch). */
MPST_EXPORT void mpstrace_impl_alloc(uint64_t ptr, uint64_t bytes, uint64_t stream, int mem) {
  BEGIN_ANNOTATION;
  uint8_t m = mem >= 1 && mem <= MPST_MEM_KIND_TORCH_BLOCK ? (uint8_t)mem : MPST_MEM_KIND_OTHER;
  mpst_emit_alloc_at(ts, site, ptr, bytes, stream, m);
  END_ANNOTATION;
}

MPST_EXPORT void mpstrace_impl_free(uint64_t ptr, uint64_t stream, int mem) {
  BEGIN_ANNOTATION;
  uint8_t m = mem >= 1 && mem <= MPST_MEM_KIND_TORCH_BLOCK ? (uint8_t)mem : MPST_MEM_KIND_OTHER;
  mpst_emit_free_at(ts, site, ptr, stream, m);
  END_ANNOTATION;
}

/* ---- pause: parts of the recorder off and on again in one process ---------- */

static void (*pause_handler)(int parts);

void mpst_set_pause_handler(void (*fn)(int parts)) { pause_handler = fn; }

int mpst_paused(void) { return atomic_load_explicit(&G.paused, memory_order_relaxed); }

/* One marker naming the parts paused from now on ("mpstrace.pause hooks+flush",
 * "mpstrace.pause none" on resume), written even while hooks are paused. */
static void pause_marker(int parts, const void *ra) {
  static const char *const names[] = { "hooks", "completions", "callbacks", "flush" };
  char msg[96] = "mpstrace.pause ";
  size_t n = strlen(msg);
  for (int b = 0; b < 4; b++) {
    if (!(parts & (1 << b))) continue;
    n += (size_t)snprintf(msg + n, sizeof msg - n, "%s%s", n > 15 ? "+" : "", names[b]);
  }
  if (!parts) snprintf(msg + n, sizeof msg - n, "none");
  mpst_tls *t = &T;
  if (t->depth || atomic_load(&G.state) != MPST_ON) return;
  t->depth = 1;
  uint32_t site = t->next_site ? t->next_site : mpst_callsite(ra);
  t->next_site = 0;
  mpst_emit_marker(site, mpst_intern(msg));
  t->depth = 0;
}

/* Pausing is for measurement (bench/cuda/overhead.py --paired): the backend's
 * handler turns CUPTI activity and callbacks off and on, the hooks check the
 * `hooks` bit in mpst_enter (one load beside the state they already load). */
MPST_EXPORT int mpstrace_impl_pause(int parts) {
  parts &= MPST_PAUSE_PART_ALL;
  if (atomic_load(&G.state) == MPST_OFF && mpst_ensure_init(G.backend) != 0) return 0;
  int prev = atomic_exchange(&G.paused, parts);
  if (prev == parts) return prev;
  pause_marker(parts, __builtin_return_address(0));
  if (pause_handler) pause_handler(parts);
  return prev;
}
