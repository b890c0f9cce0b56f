/*
 * Internals shared by the runtime's source files (not part of the backend
 * interface in mpst_runtime.h). Portable: Linux and macOS.
 */
#ifndef MPST_INTERNAL_H
#define MPST_INTERNAL_H

#include "mpst_runtime.h"
#include <stdatomic.h>
#include <time.h>

#define MPST_TLS __thread __attribute__((tls_model("initial-exec")))
#define MPST_LIKELY(x) __builtin_expect(!!(x), 1)
#define MPST_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MPST_EXPORT __attribute__((visibility("default")))

/* Bytes kept free at the end of every chunk for one final records_lost record,
 * so losses are accounted for even when the file never gets more space. */
#define MPST_CHUNK_RESERVE 32u
#define MPST_MAX_THREADS 1024
#define MPST_SITE_CACHE 64 /* per-thread call-site cache entries (a power of 2) */

enum { MPST_OFF = 0, MPST_INITIALIZING = 1, MPST_ON = 2, MPST_DISABLED = 3, MPST_CLOSED = 4 };

/* Shared per-thread state that other threads read (watchdog, shutdown).
 * Lives in a static array, not in TLS, so it stays valid after the thread
 * exits. */
typedef struct mpst_thread_slot {
  _Atomic int used;
  uint64_t tid;
  _Atomic int64_t blocked_since; /* 0 when not blocked */
  uint64_t blocked_target;
  uint8_t blocked_scope;
  uint32_t blocked_api;
  /* one level of nesting: a hooked sync inside an annotated device sync */
  int blocked_depth;
  int64_t outer_since;
  uint64_t outer_target;
  uint8_t outer_scope;
  uint32_t outer_api;
  int64_t last_heartbeat;
  _Atomic uint64_t lost;
  int64_t lost_since;
  _Atomic(uint8_t *) chunk; /* the chunk whose reserve holds the final records_lost */
  _Atomic int reserve_used;
} mpst_thread_slot;

/* Hot per-thread state (TLS). */
typedef struct mpst_tls {
  uint8_t *chunk; /* current chunk, NULL before the first record */
  uint32_t pos; /* next free byte in the chunk */
  uint32_t limit; /* chunk_bytes - reserve */
  uint32_t gen; /* G.gen when set up; differs after fork or reopen */
  uint32_t seq; /* per-thread chunk sequence */
  /* chunks of the last claim not entered yet (their headers are written):
     a thread claims 1 chunk first, then runs that double up to run_cap */
  uint8_t *run_next;
  uint32_t run_left;
  uint32_t run_size; /* chunks the next claim asks for */
  uint32_t depth; /* reentrancy depth */
  uint32_t in_signal;
  uint32_t quiet; /* writing bookkeeping records: a failure is not a loss */
  uint64_t tid;
  mpst_thread_slot *slot;
  /* call site given by a language binding for the next annotation (0: none) */
  uint32_t next_site;
  /* call site of the language-level API call this thread is inside (0: none):
     while set, hooked backend calls name it instead of their return address
     (e.g. the user's Python line for the cudaEventRecord under Event.record) */
  uint32_t py_site;
  /* call sites seen by this thread (direct-mapped on the return address),
     valid for site_gen. 64 entries: a PyTorch step launches from a few
     hundred places in libtorch, and with 4 most launches missed into the
     process-wide table (bench/cuda/hookparts.c site_hit vs site_64) */
  uint32_t site_gen;
  uint32_t site_id[MPST_SITE_CACHE];
  const void *site_ra[MPST_SITE_CACHE];
} mpst_tls;

typedef struct mpst_global {
  _Atomic int state;
  _Atomic int paused; /* MPST_PAUSE_PART_* bits (the `pause` annotation); beside state: one cache line for mpst_enter */
  uint8_t backend;
  uint16_t proc_flags;
  uint32_t gen;
  int fd; /* trace file, high number, close-on-exec; -1 when lost (mpst_fd.c) */
  _Atomic int fd_lost; /* the program took the descriptor and the file could not be reopened */
  _Atomic int grow_failed; /* growing the file failed once (disk full, size limit): never retried */
  uint8_t *base; /* mapping of map_bytes (beyond EOF until grown) */
  uint64_t max_bytes; /* header and every chunk */
  uint64_t map_bytes; /* max_bytes and room for the largest file end */
  uint64_t end_at, end_bytes; /* where finish wrote the file end (0 bytes: none) */
  uint32_t chunk_bytes;
  uint32_t max_chunks;
  uint32_t run_cap; /* most chunks one claim takes (64 KiB worth) */
  _Atomic uint64_t next_chunk;
  _Atomic uint64_t file_bytes;
  _Atomic int grow_lock;
  /* the file up to here is mapped writable ahead of the writers by the
     watchdog (mpst_prefault_tick), so claiming a chunk below it faults nothing */
  _Atomic uint64_t prefaulted;
  uint64_t prefault_seen; /* next chunk's offset at the last tick (watchdog only) */
  uint32_t pid;
  int64_t hang_ns;
  int cupti_wanted;
  int print_stats; /* MPSTRACE_STATS=1: the slow-path counters on stderr at exit */
  int64_t t0;
  mpst_process_start *start_rec; /* patched in place by mpst_set_process_flags */
  _Atomic int ended; /* process_end written */
  int exit_status;
  int exec_depth; /* how many execs led to this image (MPSTRACE_EXEC_DEPTH) */
  char path[4096];
  char stem[4096]; /* first process's path without .mpst; names every related file */
} mpst_global;

extern mpst_global G;
extern MPST_TLS mpst_tls T;
extern mpst_thread_slot mpst_slots[MPST_MAX_THREADS];

uint64_t mpst_gettid(void);
/* The clock behind mpst_now (mpst_clock.c): CLOCK_MONOTONIC, read through the
 * TSC once the watchdog has calibrated it (Linux x86-64, invariant TSC). */
int64_t mpst_clock_monotonic(void);
void mpst_clock_calibrate_start(void);
void mpst_clock_calibrate_tick(void);
int mpst_clock_calibrating(void); /* 1 while the TSC rate is being measured */
int64_t mpst_realtime(void);
/* Builds `<stem>.<suffix>.mpst`, stem being the first traced process's output
 * path without .mpst (inherited through MPSTRACE_STEM), so the files of
 * forked and exec'ed processes sit beside it with flat names. */
void mpst_derived_path(char *out, size_t n, const char *suffix);

/* The trace file's descriptor (mpst_fd.c). mpst_fd_adopt remembers the file's
 * identity and moves `fd` to a high close-on-exec number (returned);
 * mpst_trace_fd returns it after checking it still names that file (reopening
 * by path if the program took the number), -1 when the file is lost. Callers
 * hold G.grow_lock. */
int mpst_fd_adopt(int fd, const char *path);
int mpst_trace_fd(void);
int mpst_real_close(int fd);
/* Recorder problems: mpst_warning notes one (any context, once per kind);
 * mpst_flush_warnings writes the noted ones as recorder_warning records
 * (never while holding G.grow_lock). */
void mpst_warning(unsigned what, int err, uint64_t value);
void mpst_flush_warnings(void);
void mpst_warnings_reset(void);
/* A line on stderr, only while descriptor 2 is still the file it was at start. */
void mpst_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens `path` as a fresh trace file and writes process_start (init, fork child). */
int mpst_open_file(const char *path);
/* Clears the closed flag again (exec failed and the process goes on). */
void mpst_reopen_after_failed_exec(void);

void mpst_intern_reset(void);
void mpst_threads_reset_after_fork(void);
void mpst_process_hooks_install(void);
void mpst_watchdog_start(void);
/* Maps the next few MiB of the file writable ahead of the writers (watchdog);
 * 1 when chunks were claimed since the last call. */
int mpst_prefault_tick(void);
void mpst_run_shutdown_hooks(void);

/* Call site named by a language binding (e.g. a Python function, file and
 * line), interned like an address; 0 when `symbol` is NULL. */
uint32_t mpst_callsite_named(const char *symbol, const char *module, uint64_t line);

#endif
