/*
 * The portable recorder runtime shared by the CUDA (.so, LD_PRELOAD) and the
 * Metal (.dylib, DYLD_INSERT_LIBRARIES) recorders. Backend hook code talks to
 * the trace file only through this interface and the generated emitters in
 * mpstrace_format.h (define MPST_WANT_EMITTERS before including it).
 *
 * Hot-path rules: no lock, no allocation, no system call per record.
 */
#ifndef MPST_RUNTIME_H
#define MPST_RUNTIME_H

#define MPST_WANT_EMITTERS
#include "mpstrace_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opens the trace file (MPSTRACE_OUT etc., see README) the first time any
 * record is written; safe to call from many threads. Returns 0 when recording. */
int mpst_ensure_init(uint8_t backend);

/* 1 when records are written (MPSTRACE_ENABLE != 0 and the file opened). */
int mpst_enabled(void);

/* Reentrancy guard: a hook calls mpst_enter() first; when it returns 0 the
 * hook must call straight through without recording (it runs inside another
 * hook or inside the runtime). Every mpst_enter() that returned 1 is paired
 * with mpst_leave(). */
int mpst_enter(void);
void mpst_leave(void);

/* Interns a string (copied into the trace once); returns its id, 0 for NULL. */
uint32_t mpst_intern(const char *s);
/* Interns by a stable key (e.g. a kernel function pointer) so repeated calls
 * cost one hash lookup; `name_of(key)` is called only the first time. */
uint32_t mpst_intern_keyed(const void *key, const char *(*name_of)(const void *key));

/* Call-site id of a return address (e.g. __builtin_return_address(0));
 * symbolized with dladdr once per new address, 0 when unknown. */
uint32_t mpst_callsite_id(const void *return_address);
/* (a function-like macro: the generated record struct is also named mpst_callsite) */
#define mpst_callsite(return_address) mpst_callsite_id(return_address)

/* Marks this thread as blocked in a host sync, so the watchdog can write
 * heartbeat records while it stays blocked. Plain stores; no syscalls. */
void mpst_blocking_begin(uint64_t target, uint8_t scope, uint32_t api_str);
void mpst_blocking_end(void);

/* Next process-wide correlation id for submit/memcpy/complete records. */
uint32_t mpst_next_corr(void);

/* Writes process_end once, truncates the file to the used size and marks it
 * closed (normal exit path); idempotent. */
void mpst_finish(int status, uint8_t reason);

/* Sets bits of process_start.flags after the fact (e.g. bit 1 once CUPTI is
 * active); patches the already written record in place. */
void mpst_set_process_flags(uint16_t bits);

/* Names the backend that writes this process's trace. Before the file is
 * open it only sets what init will write; after (an annotation may open the
 * file before the backend's first hook runs) it patches the header, the
 * process_start record and the recorder string in place. */
void mpst_set_backend(uint8_t backend);

/* Registers a function run once at shutdown before process_end is written
 * (e.g. flushing CUPTI buffers). At most 8. */
void mpst_add_shutdown_hook(void (*fn)(void));

/* Interns a constant string once per trace file: the cache is refreshed
 * after fork, when the child's new file must define its strings again. */
typedef struct mpst_str_cache {
  uint32_t id, gen;
} mpst_str_cache;
uint32_t mpst_intern_cached(mpst_str_cache *cache, const char *s);

/* Parts of the recorder paused by the `pause` annotation (MPST_PAUSE_PART_*
 * bits; 0 when recording). While `hooks` is paused mpst_enter returns 0. A
 * backend registers what a change of the other parts must do (CUPTI activity
 * and callbacks off or on); it runs on the thread that called pause. */
int mpst_paused(void);
void mpst_set_pause_handler(void (*fn)(int parts));

/* The current thread's id as written in chunk headers. */
uint64_t mpst_thread_id(void);

#ifdef __cplusplus
}
#endif
#endif
