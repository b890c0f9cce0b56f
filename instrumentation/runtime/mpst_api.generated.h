/* Generated from instrumentation/schema/events.json by `npm run gen`. Do not edit. */
/* The recorder's annotation entry points; defined in mpst_annotate.c, looked up
   by name (dlsym) from mpstrace.h and the Python module. */
#ifndef MPST_API_GENERATED_H
#define MPST_API_GENERATED_H

#include <stdint.h>

#ifndef MPST_EXPORT
#define MPST_EXPORT __attribute__((visibility("default")))
#endif

MPST_EXPORT int mpstrace_impl_enabled(void);
MPST_EXPORT void mpstrace_impl_set_site(const char *symbol, const char *module, uint64_t line);
MPST_EXPORT uint32_t mpstrace_impl_push_site(const char *symbol, const char *module, uint64_t line);
MPST_EXPORT void mpstrace_impl_pop_site(uint32_t prev);
MPST_EXPORT void mpstrace_impl_slot_acquire(uint32_t slot, uint64_t stream, int32_t free_after, int64_t wait_ns);
MPST_EXPORT void mpstrace_impl_slot_release(uint32_t slot, uint64_t stream, int32_t free_after, int at_thread_exit);
MPST_EXPORT void mpstrace_impl_slot_set_current(uint32_t slot, uint64_t stream, int32_t prev_slot);
MPST_EXPORT void mpstrace_impl_device_sync_begin(const char *name);
MPST_EXPORT void mpstrace_impl_device_sync_end(const char *name);
MPST_EXPORT void mpstrace_impl_intent_record(uint64_t event, uint64_t stream);
MPST_EXPORT void mpstrace_impl_intent_wait(uint64_t event, uint64_t stream);
MPST_EXPORT void mpstrace_impl_range_push(const char *name);
MPST_EXPORT void mpstrace_impl_range_pop(void);
MPST_EXPORT void mpstrace_impl_marker(const char *name);
MPST_EXPORT void mpstrace_impl_buffer_access(const void *ptr, uint64_t bytes, uint64_t stream, int mode);
MPST_EXPORT void mpstrace_impl_object_create(uint64_t obj, uint64_t owner, uint64_t bytes, int type);
MPST_EXPORT void mpstrace_impl_object_destroy(uint64_t obj, int type);
MPST_EXPORT void mpstrace_impl_sync_begin(uint64_t target, int scope, const char *api);
MPST_EXPORT void mpstrace_impl_sync_end(uint64_t target, int scope, const char *api, int32_t result);
MPST_EXPORT void mpstrace_impl_event_query(uint64_t event, int32_t result);
MPST_EXPORT void mpstrace_impl_elapsed_begin(uint64_t start_event, uint64_t end_event);
MPST_EXPORT void mpstrace_impl_elapsed_end(uint64_t start_event, uint64_t end_event, int64_t elapsed_ns, int32_t error);
MPST_EXPORT void mpstrace_impl_api_sync_begin(uint64_t target, int scope, const char *api);
MPST_EXPORT void mpstrace_impl_api_sync_end(uint64_t target, int scope, const char *api, int32_t result);
MPST_EXPORT void mpstrace_impl_api_current_stream(uint64_t stream, uint64_t prev, int32_t device);
MPST_EXPORT void mpstrace_impl_api_elapsed(uint64_t start_event, uint64_t end_event, int64_t elapsed_ns, int start_timing, int end_timing, int raised);
MPST_EXPORT void mpstrace_impl_api_record_stream(uint64_t ptr, uint64_t bytes, uint64_t stream);
MPST_EXPORT void mpstrace_impl_tensor_access(uint64_t ptr, uint64_t bytes, uint64_t base, uint64_t stream, const char *op, int mode);
MPST_EXPORT void mpstrace_impl_host_access(uint64_t ptr, uint64_t bytes, uint64_t base, const char *op, int mode);
MPST_EXPORT void mpstrace_impl_api_layer(int level, int ok, const char *message);
MPST_EXPORT void mpstrace_impl_alloc(uint64_t ptr, uint64_t bytes, uint64_t stream, int mem);
MPST_EXPORT void mpstrace_impl_free(uint64_t ptr, uint64_t stream, int mem);
MPST_EXPORT int mpstrace_impl_pause(int parts);

#endif
