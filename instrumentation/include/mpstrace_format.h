/* Generated from instrumentation/schema/events.json by `npm run gen`. Do not edit. */
#ifndef MPSTRACE_FORMAT_H
#define MPSTRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define MPST_VERSION_MAJOR 1
#define MPST_VERSION_MINOR 0
#define MPST_FILE_MAGIC "MPSTRACE"
#define MPST_FILE_HEADER_BYTES 64
#define MPST_CHUNK_HEADER_BYTES 32
#define MPST_CHUNK_MAGIC 0x4B43504Du /* 'MPCK' */
#define MPST_RECORD_HEADER_BYTES 16
#define MPST_MAX_RECORD_WORDS 255
#define MPST_MIN_CHUNK_BYTES 4096
#define MPST_MAX_CHUNK_BYTES 67108864

/* Bits of `file_header.flags`. */
#define MPST_FILE_FLAG_SYNTHETIC 0x1u /* written by `mpstrace synth` */
#define MPST_FILE_FLAG_CLOSED 0x2u /* the recorder closed the file cleanly */

/* Bits of `process_start.flags`. */
#define MPST_PROCESS_FLAG_SYNTHETIC 0x1u /* synthetic trace */
#define MPST_PROCESS_FLAG_CUPTI_COMPLETIONS 0x2u /* CUPTI completion records present */
#define MPST_PROCESS_FLAG_DRIVER_API_COVERED 0x4u /* driver-API launches covered */
#define MPST_PROCESS_FLAG_DRIVER_ENTRIES 0x8u /* the driver's entry-point lookup (cuGetProcAddress) was wrapped: calls through driver entries are recorded (static libcudart, cuBLAS) */
#define MPST_PROCESS_FLAG_CUDA_DRIVER_LOADED 0x10u /* libcuda was loaded in the process when it ended (it used, or prepared to use, a GPU) */
#define MPST_PROCESS_FLAG_DRIVER_CHECKED 0x20u /* the recorder checked at exit whether libcuda was loaded (bit 4 is meaningful) */
#define MPST_PROCESS_FLAG_COMPLETIONS_SAMPLED 0x40u /* GPU completions were recorded only in sampling windows (MPSTRACE_CUPTI_SAMPLE below 100): work submitted outside them has no complete record */

/* Which recorder wrote the trace. */
enum mpst_backend {
  MPST_BACKEND_NONE = 0,
  MPST_BACKEND_CUDA = 1,
  MPST_BACKEND_METAL = 2,
  MPST_BACKEND_SYNTHETIC = 3,
};

/* Clock domain of every `ts`. */
enum mpst_clock {
  MPST_CLOCK_MONOTONIC = 1,
  MPST_CLOCK_UPTIME_RAW = 2,
  MPST_CLOCK_SYNTHETIC = 3,
};

/* What a host sync waits for. */
enum mpst_sync_scope {
  MPST_SYNC_SCOPE_DEVICE = 1,
  MPST_SYNC_SCOPE_STREAM = 2,
  MPST_SYNC_SCOPE_EVENT = 3,
  MPST_SYNC_SCOPE_COPY = 4,
  MPST_SYNC_SCOPE_OTHER = 5,
};

/* How a slot record was learned. */
enum mpst_slot_source {
  MPST_SLOT_SOURCE_ANNOTATION = 1,
  MPST_SLOT_SOURCE_INFERRED = 2,
  MPST_SLOT_SOURCE_API = 3,
};

/* Direction of a memory copy (CUDA cudaMemcpyKind numbering). */
enum mpst_copy_dir {
  MPST_COPY_DIR_H2H = 0,
  MPST_COPY_DIR_H2D = 1,
  MPST_COPY_DIR_D2H = 2,
  MPST_COPY_DIR_D2D = 3,
  MPST_COPY_DIR_DEFAULT = 4,
};

/* Which allocator an allocation came from. */
enum mpst_mem_kind {
  MPST_MEM_KIND_DEVICE = 1,
  MPST_MEM_KIND_HOST_PINNED = 2,
  MPST_MEM_KIND_DEVICE_ASYNC = 3,
  MPST_MEM_KIND_MANAGED = 4,
  MPST_MEM_KIND_METAL_BUFFER = 5,
  MPST_MEM_KIND_OTHER = 6,
  MPST_MEM_KIND_TORCH_BLOCK = 7,
};

/* Backend object kinds tracked for lifetimes. */
enum mpst_object_type {
  MPST_OBJECT_TYPE_COMMAND_BUFFER = 1,
  MPST_OBJECT_TYPE_COMMAND_QUEUE = 2,
  MPST_OBJECT_TYPE_SHARED_EVENT = 3,
  MPST_OBJECT_TYPE_ENCODER = 4,
  MPST_OBJECT_TYPE_STREAM = 5,
  MPST_OBJECT_TYPE_EVENT = 6,
  MPST_OBJECT_TYPE_GRAPH = 7,
  MPST_OBJECT_TYPE_OTHER = 8,
};

/* How much the PyTorch layer (mpstrace.torch) records. */
enum mpst_torch_level {
  MPST_TORCH_LEVEL_OFF = 0,
  MPST_TORCH_LEVEL_API = 1,
  MPST_TORCH_LEVEL_FULL = 2,
};

/* Why a process's trace ended. */
enum mpst_end_reason {
  MPST_END_REASON_EXIT = 1,
  MPST_END_REASON_SIGNAL = 2,
  MPST_END_REASON_EXEC = 3,
  MPST_END_REASON_ABORT = 4,
};

/* How a launch touches a buffer. */
enum mpst_access_mode {
  MPST_ACCESS_MODE_READ = 1,
  MPST_ACCESS_MODE_WRITE = 2,
  MPST_ACCESS_MODE_READ_WRITE = 3,
};

/* What an event_value record says about a (Metal shared) event's counter. */
enum mpst_event_value_op {
  MPST_EVENT_VALUE_OP_SIGNAL = 1,
  MPST_EVENT_VALUE_OP_WAIT = 2,
  MPST_EVENT_VALUE_OP_NOTIFY = 3,
  MPST_EVENT_VALUE_OP_NOTIFY_FIRE = 4,
  MPST_EVENT_VALUE_OP_SET = 5,
};

/* What the Metal recorder's self-report says about one (class, selector). */
enum mpst_hook_state {
  MPST_HOOK_STATE_HOOKED = 1,
  MPST_HOOK_STATE_MISSING = 2,
  MPST_HOOK_STATE_SKIPPED = 3,
  MPST_HOOK_STATE_FALLBACK = 4,
  MPST_HOOK_STATE_NO_ORIGINAL = 5,
};

/* What went wrong for the recorder itself (see the `recorder_warning` record). */
enum mpst_warning_code {
  MPST_WARNING_CODE_FD_REOPENED = 1,
  MPST_WARNING_CODE_FILE_LOST = 2,
  MPST_WARNING_CODE_GROW_FAILED = 3,
  MPST_WARNING_CODE_MAPPING_FAULT = 4,
};

enum mpst_kind {
  MPST_K_PROCESS_START = 1,
  MPST_K_PROCESS_END = 2,
  MPST_K_CLOCK_CALIBRATION = 3,
  MPST_K_FORK = 4,
  MPST_K_EXEC = 5,
  MPST_K_THREAD_START = 6,
  MPST_K_THREAD_EXIT = 7,
  MPST_K_THREAD_NAME = 8,
  MPST_K_STRING = 9,
  MPST_K_CALLSITE = 10,
  MPST_K_RECORDS_LOST = 11,
  MPST_K_HEARTBEAT = 12,
  MPST_K_RECORDER_WARNING = 13,
  MPST_K_STREAM_CREATE = 20,
  MPST_K_STREAM_DESTROY = 21,
  MPST_K_SLOT_ACQUIRE = 22,
  MPST_K_SLOT_RELEASE = 23,
  MPST_K_SLOT_SET_CURRENT = 24,
  MPST_K_STREAM_QUERY = 25,
  MPST_K_EVENT_CREATE = 30,
  MPST_K_EVENT_DESTROY = 31,
  MPST_K_EVENT_RECORD = 32,
  MPST_K_EVENT_WAIT = 33,
  MPST_K_EVENT_QUERY = 34,
  MPST_K_ELAPSED_BEGIN = 35,
  MPST_K_ELAPSED_END = 36,
  MPST_K_SUBMIT = 40,
  MPST_K_COMPLETE = 41,
  MPST_K_CB_CREATE = 42,
  MPST_K_CB_COMMIT = 43,
  MPST_K_CB_DEALLOC = 44,
  MPST_K_OBJECT_CREATE = 45,
  MPST_K_OBJECT_DESTROY = 46,
  MPST_K_SYNC_BEGIN = 50,
  MPST_K_SYNC_END = 51,
  MPST_K_INTENT_DEVICE_SYNC_BEGIN = 60,
  MPST_K_INTENT_DEVICE_SYNC_END = 61,
  MPST_K_INTENT_RECORD = 62,
  MPST_K_INTENT_WAIT = 63,
  MPST_K_RANGE_PUSH = 64,
  MPST_K_RANGE_POP = 65,
  MPST_K_MARKER = 66,
  MPST_K_BUFFER_ACCESS = 67,
  MPST_K_MEMCPY = 70,
  MPST_K_MEMSET = 71,
  MPST_K_ALLOC = 72,
  MPST_K_FREE = 73,
  MPST_K_API_SYNC_BEGIN = 80,
  MPST_K_API_SYNC_END = 81,
  MPST_K_API_CURRENT_STREAM = 82,
  MPST_K_API_ELAPSED = 83,
  MPST_K_API_RECORD_STREAM = 84,
  MPST_K_TENSOR_ACCESS = 85,
  MPST_K_API_LAYER = 86,
  MPST_K_EVENT_VALUE = 87,
  MPST_K_METAL_HOOK = 88,
  MPST_K_MODULE = 89,
  MPST_K_SYMBOL = 90,
};

/* file_header (64 bytes): At offset 0 of every trace file; chunks follow at `header_bytes + k * chunk_bytes`. */
typedef struct mpst_file_header {
  char magic[8];
  uint16_t version_major;
  uint16_t version_minor;
  uint32_t header_bytes;
  uint32_t chunk_bytes;
  uint32_t flags; /* MPST_FILE_FLAG_* */
  uint32_t pid;
  uint32_t ppid;
  uint8_t backend; /* enum mpst_backend */
  uint8_t clock; /* enum mpst_clock */
  uint16_t reserved0;
  uint32_t reserved1;
  int64_t t0_ns;
  int64_t realtime_ns;
  uint32_t reserved2;
  uint32_t check;
} mpst_file_header;
_Static_assert(sizeof(mpst_file_header) == 64, "file_header size");

/* chunk_header (32 bytes): At the start of every chunk; one thread writes one chunk. An all-zero chunk is unused space. */
typedef struct mpst_chunk_header {
  uint32_t magic;
  uint32_t index;
  uint64_t tid;
  uint32_t thread_seq;
  uint32_t flags;
  uint32_t reserved;
  uint32_t check;
} mpst_chunk_header;
_Static_assert(sizeof(mpst_chunk_header) == 32, "chunk_header size");

/* Record header. w0 = kind | words << 8 | check << 16 | site << 32, stored last. */
typedef struct mpst_rec_header {
  uint64_t w0;
  int64_t ts;
} mpst_rec_header;

/* Checksum over 32-bit words, with the check bits zeroed beforehand. */
static inline uint32_t mpst_checksum32(const uint32_t *w, size_t n) {
  uint32_t x = 0x811C9DC5u;
  for (size_t i = 0; i < n; i++) x = ((x << 5) | (x >> 27)) ^ w[i], x *= 0x9E3779B1u;
  return (x ^ (x >> 16)) & 0xFFFFu;
}

/* process_start (1): First record of every trace file. */
typedef struct mpst_process_start {
  mpst_rec_header h;
  uint32_t pid;
  uint32_t ppid;
  uint8_t backend; /* enum mpst_backend */
  uint8_t clock; /* enum mpst_clock */
  uint16_t flags;
  uint32_t recorder; /* string id */
} mpst_process_start;
#define MPST_WORDS_PROCESS_START 4
_Static_assert(sizeof(mpst_process_start) == 32, "process_start size");

/* process_end (2): Written by a clean exit, exec or a fatal signal; absent after SIGKILL. */
typedef struct mpst_process_end {
  mpst_rec_header h;
  int32_t status;
  uint32_t reason; /* enum mpst_end_reason */
} mpst_process_end;
#define MPST_WORDS_PROCESS_END 3
_Static_assert(sizeof(mpst_process_end) == 24, "process_end size");

/* clock_calibration (3): A host and a GPU clock read at the same moment, so GPU times can be mapped onto `ts`. */
typedef struct mpst_clock_calibration {
  mpst_rec_header h;
  int64_t host_ns;
  int64_t gpu_ns;
  int64_t realtime_ns;
} mpst_clock_calibration;
#define MPST_WORDS_CLOCK_CALIBRATION 5
_Static_assert(sizeof(mpst_clock_calibration) == 40, "clock_calibration size");

/* fork (4): Written by the parent after fork(); the child writes its own file. */
typedef struct mpst_fork {
  mpst_rec_header h;
  uint32_t child_pid;
  uint32_t parent_pid;
  uint32_t child_file; /* string id */
  uint8_t _pad0[4];
} mpst_fork;
#define MPST_WORDS_FORK 4
_Static_assert(sizeof(mpst_fork) == 32, "fork size");

/* exec (5): The process is about to exec; the new image gets its own file. */
typedef struct mpst_exec {
  mpst_rec_header h;
  uint32_t path; /* string id */
  uint8_t _pad0[4];
} mpst_exec;
#define MPST_WORDS_EXEC 3
_Static_assert(sizeof(mpst_exec) == 24, "exec size");

/* thread_start (6): First record of a thread. */
typedef struct mpst_thread_start {
  mpst_rec_header h;
  uint64_t parent_tid;
} mpst_thread_start;
#define MPST_WORDS_THREAD_START 3
_Static_assert(sizeof(mpst_thread_start) == 24, "thread_start size");

/* thread_exit (7): Written from the thread's TLS destructor. */
typedef struct mpst_thread_exit {
  mpst_rec_header h;
} mpst_thread_exit;
#define MPST_WORDS_THREAD_EXIT 2
_Static_assert(sizeof(mpst_thread_exit) == 16, "thread_exit size");

/* thread_name (8) */
typedef struct mpst_thread_name {
  mpst_rec_header h;
  uint32_t name; /* string id */
  uint8_t _pad0[4];
} mpst_thread_name;
#define MPST_WORDS_THREAD_NAME 3
_Static_assert(sizeof(mpst_thread_name) == 24, "thread_name size");

/* string (9): Interned string: `len` UTF-8 bytes follow the fixed fields, zero-padded to 8 bytes. Written once per id. */
typedef struct mpst_string {
  mpst_rec_header h;
  uint32_t str_id;
  uint32_t len;
} mpst_string;
#define MPST_WORDS_STRING 3
_Static_assert(sizeof(mpst_string) == 24, "string size");

/* callsite (10): Symbolized call site, written once per id when first seen. */
typedef struct mpst_callsite {
  mpst_rec_header h;
  uint32_t site_id;
  uint32_t symbol; /* string id */
  uint32_t module; /* string id */
  uint8_t _pad0[4];
  uint64_t addr;
  uint64_t offset;
} mpst_callsite;
#define MPST_WORDS_CALLSITE 6
_Static_assert(sizeof(mpst_callsite) == 48, "callsite size");

/* records_lost (11): Records this thread could not write (no buffer space). */
typedef struct mpst_records_lost {
  mpst_rec_header h;
  uint64_t count;
  int64_t since_ts;
  uint64_t lost_tid;
} mpst_records_lost;
#define MPST_WORDS_RECORDS_LOST 5
_Static_assert(sizeof(mpst_records_lost) == 40, "records_lost size");

/* heartbeat (12): Written by the watchdog for each blocking call in progress longer than the hang threshold. */
typedef struct mpst_heartbeat {
  mpst_rec_header h;
  uint64_t blocked_tid;
  int64_t since_ts;
  uint64_t target;
  uint8_t scope; /* enum mpst_sync_scope */
  uint8_t _pad0[3];
  uint32_t api; /* string id */
} mpst_heartbeat;
#define MPST_WORDS_HEARTBEAT 6
_Static_assert(sizeof(mpst_heartbeat) == 48, "heartbeat size");

/* recorder_warning (13): The recorder hit a problem of its own, written once per problem. fd_reopened: the program closed or replaced the trace file's descriptor (by a raw syscall the recorder could not intercept); the recorder reopened the file by path and went on. file_lost: it could not reopen it; the file stops growing and later records are counted in records_lost. grow_failed: the file could not be grown (disk full, file size limit); later records are counted in records_lost. mapping_fault: a store into the trace mapping faulted (the file was truncated by someone else); recording stopped. */
typedef struct mpst_recorder_warning {
  mpst_rec_header h;
  uint32_t what; /* enum mpst_warning_code */
  int32_t err;
  uint64_t value;
} mpst_recorder_warning;
#define MPST_WORDS_RECORDER_WARNING 4
_Static_assert(sizeof(mpst_recorder_warning) == 32, "recorder_warning size");

/* stream_create (20) */
typedef struct mpst_stream_create {
  mpst_rec_header h;
  uint64_t stream;
  uint32_t flags;
  int32_t priority;
} mpst_stream_create;
#define MPST_WORDS_STREAM_CREATE 4
_Static_assert(sizeof(mpst_stream_create) == 32, "stream_create size");

/* stream_destroy (21) */
typedef struct mpst_stream_destroy {
  mpst_rec_header h;
  uint64_t stream;
} mpst_stream_destroy;
#define MPST_WORDS_STREAM_DESTROY 3
_Static_assert(sizeof(mpst_stream_destroy) == 24, "stream_destroy size");

/* slot_acquire (22): A pool slot (and its stream) became owned by this thread. */
typedef struct mpst_slot_acquire {
  mpst_rec_header h;
  uint64_t stream;
  uint32_t slot;
  int32_t free_after;
  int64_t wait_ns;
  uint8_t source; /* enum mpst_slot_source */
  uint8_t _pad0[7];
} mpst_slot_acquire;
#define MPST_WORDS_SLOT_ACQUIRE 6
_Static_assert(sizeof(mpst_slot_acquire) == 48, "slot_acquire size");

/* slot_release (23) */
typedef struct mpst_slot_release {
  mpst_rec_header h;
  uint64_t stream;
  uint32_t slot;
  int32_t free_after;
  uint8_t at_thread_exit;
  uint8_t source; /* enum mpst_slot_source */
  uint8_t _pad0[6];
} mpst_slot_release;
#define MPST_WORDS_SLOT_RELEASE 5
_Static_assert(sizeof(mpst_slot_release) == 40, "slot_release size");

/* slot_set_current (24): The thread's current stream was set to a slot, without a pool acquire. */
typedef struct mpst_slot_set_current {
  mpst_rec_header h;
  uint64_t stream;
  uint32_t slot;
  int32_t prev_slot;
  uint8_t source; /* enum mpst_slot_source */
  uint8_t _pad0[7];
} mpst_slot_set_current;
#define MPST_WORDS_SLOT_SET_CURRENT 5
_Static_assert(sizeof(mpst_slot_set_current) == 40, "slot_set_current size");

/* stream_query (25): A non-blocking poll of a stream's completion (cudaStreamQuery). */
typedef struct mpst_stream_query {
  mpst_rec_header h;
  uint64_t stream;
  int32_t result;
  uint8_t _pad0[4];
} mpst_stream_query;
#define MPST_WORDS_STREAM_QUERY 4
_Static_assert(sizeof(mpst_stream_query) == 32, "stream_query size");

/* event_create (30) */
typedef struct mpst_event_create {
  mpst_rec_header h;
  uint64_t event;
  uint32_t flags;
  uint8_t timing;
  uint8_t _pad0[3];
} mpst_event_create;
#define MPST_WORDS_EVENT_CREATE 4
_Static_assert(sizeof(mpst_event_create) == 32, "event_create size");

/* event_destroy (31) */
typedef struct mpst_event_destroy {
  mpst_rec_header h;
  uint64_t event;
} mpst_event_destroy;
#define MPST_WORDS_EVENT_DESTROY 3
_Static_assert(sizeof(mpst_event_destroy) == 24, "event_destroy size");

/* event_record (32): The backend call that enqueued an event record on `stream`. */
typedef struct mpst_event_record {
  mpst_rec_header h;
  uint64_t event;
  uint64_t stream;
} mpst_event_record;
#define MPST_WORDS_EVENT_RECORD 4
_Static_assert(sizeof(mpst_event_record) == 32, "event_record size");

/* event_wait (33): Device-side wait: `stream` waits for the event's last record. */
typedef struct mpst_event_wait {
  mpst_rec_header h;
  uint64_t event;
  uint64_t stream;
} mpst_event_wait;
#define MPST_WORDS_EVENT_WAIT 4
_Static_assert(sizeof(mpst_event_wait) == 32, "event_wait size");

/* event_query (34) */
typedef struct mpst_event_query {
  mpst_rec_header h;
  uint64_t event;
  int32_t result;
  uint8_t _pad0[4];
} mpst_event_query;
#define MPST_WORDS_EVENT_QUERY 4
_Static_assert(sizeof(mpst_event_query) == 32, "event_query size");

/* elapsed_begin (35) */
typedef struct mpst_elapsed_begin {
  mpst_rec_header h;
  uint64_t start_event;
  uint64_t end_event;
} mpst_elapsed_begin;
#define MPST_WORDS_ELAPSED_BEGIN 4
_Static_assert(sizeof(mpst_elapsed_begin) == 32, "elapsed_begin size");

/* elapsed_end (36) */
typedef struct mpst_elapsed_end {
  mpst_rec_header h;
  uint64_t start_event;
  uint64_t end_event;
  int64_t elapsed_ns;
  int32_t error;
  uint8_t _pad0[4];
} mpst_elapsed_end;
#define MPST_WORDS_ELAPSED_END 6
_Static_assert(sizeof(mpst_elapsed_end) == 48, "elapsed_end size");

/* submit (40): A kernel launch, graph launch or other GPU submission. */
typedef struct mpst_submit {
  mpst_rec_header h;
  uint64_t stream;
  uint32_t name; /* string id */
  uint32_t corr;
} mpst_submit;
#define MPST_WORDS_SUBMIT 4
_Static_assert(sizeof(mpst_submit) == 32, "submit size");

/* complete (41): GPU execution of a submission or copy; `ts` is the GPU start on the host clock. */
typedef struct mpst_complete {
  mpst_rec_header h;
  uint32_t corr;
  int32_t error;
  int64_t dur_ns;
} mpst_complete;
#define MPST_WORDS_COMPLETE 4
_Static_assert(sizeof(mpst_complete) == 32, "complete size");

/* cb_create (42): Metal command buffer created on a queue (stream). */
typedef struct mpst_cb_create {
  mpst_rec_header h;
  uint64_t cb;
  uint64_t stream;
  uint32_t corr;
  uint8_t _pad0[4];
} mpst_cb_create;
#define MPST_WORDS_CB_CREATE 5
_Static_assert(sizeof(mpst_cb_create) == 40, "cb_create size");

/* cb_commit (43): Metal command buffer committed; a submission. */
typedef struct mpst_cb_commit {
  mpst_rec_header h;
  uint64_t cb;
  uint64_t stream;
  uint32_t corr;
  uint8_t and_continue;
  uint8_t _pad0[3];
} mpst_cb_commit;
#define MPST_WORDS_CB_COMMIT 5
_Static_assert(sizeof(mpst_cb_commit) == 40, "cb_commit size");

/* cb_dealloc (44) */
typedef struct mpst_cb_dealloc {
  mpst_rec_header h;
  uint64_t cb;
  uint32_t corr;
  uint8_t _pad0[4];
} mpst_cb_dealloc;
#define MPST_WORDS_CB_DEALLOC 4
_Static_assert(sizeof(mpst_cb_dealloc) == 32, "cb_dealloc size");

/* object_create (45): A backend object came alive; `owner` is the stream or pool that holds it. */
typedef struct mpst_object_create {
  mpst_rec_header h;
  uint64_t obj;
  uint64_t owner;
  uint64_t bytes;
  uint8_t type; /* enum mpst_object_type */
  uint8_t _pad0[7];
} mpst_object_create;
#define MPST_WORDS_OBJECT_CREATE 6
_Static_assert(sizeof(mpst_object_create) == 48, "object_create size");

/* object_destroy (46) */
typedef struct mpst_object_destroy {
  mpst_rec_header h;
  uint64_t obj;
  uint8_t type; /* enum mpst_object_type */
  uint8_t _pad0[7];
} mpst_object_destroy;
#define MPST_WORDS_OBJECT_DESTROY 4
_Static_assert(sizeof(mpst_object_destroy) == 32, "object_destroy size");

/* sync_begin (50): A blocking host call began. */
typedef struct mpst_sync_begin {
  mpst_rec_header h;
  uint64_t target;
  uint8_t scope; /* enum mpst_sync_scope */
  uint8_t _pad0[3];
  uint32_t api; /* string id */
} mpst_sync_begin;
#define MPST_WORDS_SYNC_BEGIN 4
_Static_assert(sizeof(mpst_sync_begin) == 32, "sync_begin size");

/* sync_end (51): The blocking host call returned. */
typedef struct mpst_sync_end {
  mpst_rec_header h;
  uint64_t target;
  uint8_t scope; /* enum mpst_sync_scope */
  uint8_t _pad0[3];
  uint32_t api; /* string id */
  int32_t result;
  uint8_t _pad1[4];
} mpst_sync_end;
#define MPST_WORDS_SYNC_END 5
_Static_assert(sizeof(mpst_sync_end) == 40, "sync_end size");

/* intent_device_sync_begin (60): Annotation: the runtime starts an operation meant to synchronize the whole device. */
typedef struct mpst_intent_device_sync_begin {
  mpst_rec_header h;
  uint32_t name; /* string id */
  uint8_t _pad0[4];
} mpst_intent_device_sync_begin;
#define MPST_WORDS_INTENT_DEVICE_SYNC_BEGIN 3
_Static_assert(sizeof(mpst_intent_device_sync_begin) == 24, "intent_device_sync_begin size");

/* intent_device_sync_end (61) */
typedef struct mpst_intent_device_sync_end {
  mpst_rec_header h;
  uint32_t name; /* string id */
  uint8_t _pad0[4];
} mpst_intent_device_sync_end;
#define MPST_WORDS_INTENT_DEVICE_SYNC_END 3
_Static_assert(sizeof(mpst_intent_device_sync_end) == 24, "intent_device_sync_end size");

/* intent_record (62): Annotation: the caller asked to record `event` on `stream`. */
typedef struct mpst_intent_record {
  mpst_rec_header h;
  uint64_t event;
  uint64_t stream;
} mpst_intent_record;
#define MPST_WORDS_INTENT_RECORD 4
_Static_assert(sizeof(mpst_intent_record) == 32, "intent_record size");

/* intent_wait (63): Annotation: the caller asked `stream` to wait for `event`. */
typedef struct mpst_intent_wait {
  mpst_rec_header h;
  uint64_t event;
  uint64_t stream;
} mpst_intent_wait;
#define MPST_WORDS_INTENT_WAIT 4
_Static_assert(sizeof(mpst_intent_wait) == 32, "intent_wait size");

/* range_push (64) */
typedef struct mpst_range_push {
  mpst_rec_header h;
  uint32_t name; /* string id */
  uint8_t _pad0[4];
} mpst_range_push;
#define MPST_WORDS_RANGE_PUSH 3
_Static_assert(sizeof(mpst_range_push) == 24, "range_push size");

/* range_pop (65) */
typedef struct mpst_range_pop {
  mpst_rec_header h;
} mpst_range_pop;
#define MPST_WORDS_RANGE_POP 2
_Static_assert(sizeof(mpst_range_pop) == 16, "range_pop size");

/* marker (66) */
typedef struct mpst_marker {
  mpst_rec_header h;
  uint32_t name; /* string id */
  uint8_t _pad0[4];
} mpst_marker;
#define MPST_WORDS_MARKER 3
_Static_assert(sizeof(mpst_marker) == 24, "marker size");

/* buffer_access (67): Annotation: the next launch on `stream` reads or writes this buffer. */
typedef struct mpst_buffer_access {
  mpst_rec_header h;
  uint64_t ptr;
  uint64_t bytes;
  uint64_t stream;
  uint8_t mode; /* enum mpst_access_mode */
  uint8_t _pad0[7];
} mpst_buffer_access;
#define MPST_WORDS_BUFFER_ACCESS 6
_Static_assert(sizeof(mpst_buffer_access) == 48, "buffer_access size");

/* memcpy (70) */
typedef struct mpst_memcpy {
  mpst_rec_header h;
  uint64_t dst;
  uint64_t src;
  uint64_t bytes;
  uint64_t stream;
  uint32_t corr;
  uint8_t dir; /* enum mpst_copy_dir */
  uint8_t is_async;
  uint8_t _pad0[2];
} mpst_memcpy;
#define MPST_WORDS_MEMCPY 7
_Static_assert(sizeof(mpst_memcpy) == 56, "memcpy size");

/* memset (71) */
typedef struct mpst_memset {
  mpst_rec_header h;
  uint64_t dst;
  uint64_t bytes;
  uint64_t stream;
  uint32_t corr;
  uint8_t is_async;
  uint8_t _pad0[3];
} mpst_memset;
#define MPST_WORDS_MEMSET 6
_Static_assert(sizeof(mpst_memset) == 48, "memset size");

/* alloc (72) */
typedef struct mpst_alloc {
  mpst_rec_header h;
  uint64_t ptr;
  uint64_t bytes;
  uint64_t stream;
  uint8_t mem; /* enum mpst_mem_kind */
  uint8_t _pad0[7];
} mpst_alloc;
#define MPST_WORDS_ALLOC 6
_Static_assert(sizeof(mpst_alloc) == 48, "alloc size");

/* free (73) */
typedef struct mpst_free {
  mpst_rec_header h;
  uint64_t ptr;
  uint64_t stream;
  uint8_t mem; /* enum mpst_mem_kind */
  uint8_t _pad0[7];
} mpst_free;
#define MPST_WORDS_FREE 5
_Static_assert(sizeof(mpst_free) == 40, "free size");

/* api_sync_begin (80): The program called a public sync of its framework (torch.cuda.synchronize, torch.accelerator.synchronize, Stream.synchronize, Event.synchronize): what it asked to wait for. `target` is the stream or event handle the caller named, 0 for the device. */
typedef struct mpst_api_sync_begin {
  mpst_rec_header h;
  uint64_t target;
  uint8_t scope; /* enum mpst_sync_scope */
  uint8_t _pad0[3];
  uint32_t api; /* string id */
} mpst_api_sync_begin;
#define MPST_WORDS_API_SYNC_BEGIN 4
_Static_assert(sizeof(mpst_api_sync_begin) == 32, "api_sync_begin size");

/* api_sync_end (81): The public sync returned (`result` 0) or raised (1). */
typedef struct mpst_api_sync_end {
  mpst_rec_header h;
  uint64_t target;
  uint8_t scope; /* enum mpst_sync_scope */
  uint8_t _pad0[3];
  uint32_t api; /* string id */
  int32_t result;
  uint8_t _pad1[4];
} mpst_api_sync_end;
#define MPST_WORDS_API_SYNC_END 5
_Static_assert(sizeof(mpst_api_sync_end) == 40, "api_sync_end size");

/* api_current_stream (82): The thread's current stream became `stream` (torch set_stream, `with torch.cuda.stream(s)`, their MPS and accelerator forms). */
typedef struct mpst_api_current_stream {
  mpst_rec_header h;
  uint64_t stream;
  uint64_t prev;
  int32_t device;
  uint8_t _pad0[4];
} mpst_api_current_stream;
#define MPST_WORDS_API_CURRENT_STREAM 5
_Static_assert(sizeof(mpst_api_current_stream) == 40, "api_current_stream size");

/* api_elapsed (83): Event.elapsed_time as the program called it, with both events' timing flags; `raised` 1 when it raised (also when the framework raised before any backend call). */
typedef struct mpst_api_elapsed {
  mpst_rec_header h;
  uint64_t start_event;
  uint64_t end_event;
  int64_t elapsed_ns;
  uint8_t start_timing;
  uint8_t end_timing;
  uint8_t raised;
  uint8_t _pad0[5];
} mpst_api_elapsed;
#define MPST_WORDS_API_ELAPSED 6
_Static_assert(sizeof(mpst_api_elapsed) == 48, "api_elapsed size");

/* api_record_stream (84): Tensor.record_stream: the allocator must not reuse the storage block at `ptr` until `stream`'s work queued so far is done. */
typedef struct mpst_api_record_stream {
  mpst_rec_header h;
  uint64_t ptr;
  uint64_t bytes;
  uint64_t stream;
} mpst_api_record_stream;
#define MPST_WORDS_API_RECORD_STREAM 5
_Static_assert(sizeof(mpst_api_record_stream) == 40, "api_record_stream size");

/* tensor_access (85): An op dispatched on `stream` reads or writes the bytes [ptr, ptr+bytes) of the storage at `base` (a view's real byte extent, not its data pointer). */
typedef struct mpst_tensor_access {
  mpst_rec_header h;
  uint64_t ptr;
  uint64_t bytes;
  uint64_t base;
  uint64_t stream;
  uint32_t op; /* string id */
  uint8_t mode; /* enum mpst_access_mode */
  uint8_t _pad0[3];
} mpst_tensor_access;
#define MPST_WORDS_TENSOR_ACCESS 7
_Static_assert(sizeof(mpst_tensor_access) == 56, "tensor_access size");

/* api_layer (86): The PyTorch layer is active (or stepped aside): its level, the framework version and a message. */
typedef struct mpst_api_layer {
  mpst_rec_header h;
  uint8_t level; /* enum mpst_torch_level */
  uint8_t ok;
  uint8_t _pad0[2];
  uint32_t message; /* string id */
} mpst_api_layer;
#define MPST_WORDS_API_LAYER 3
_Static_assert(sizeof(mpst_api_layer) == 24, "api_layer size");

/* event_value (87): The counter value of a shared-event operation (Metal): written right after the event_record or event_wait it belongs to (same thread), for a CPU-side listener registration (`notify`), when that listener's block ran (`notify_fire`, `ts` = fire time, on the listener's thread) and for a CPU-side set of the signaled value (`set`). A wait for value v is satisfied by the signal of value >= v, not by the latest record. */
typedef struct mpst_event_value {
  mpst_rec_header h;
  uint64_t event;
  uint64_t value;
  uint64_t stream;
  uint8_t op; /* enum mpst_event_value_op */
  uint8_t _pad0[7];
} mpst_event_value;
#define MPST_WORDS_EVENT_VALUE 6
_Static_assert(sizeof(mpst_event_value) == 48, "event_value size");

/* metal_hook (88): The Metal recorder's self-report: one record per (class, selector) it hooked, found missing, skipped by a kill switch or reached by the fail-open route, with its call count; written at exit (`at_exit` 1) and, with MPSTRACE_METAL_VERBOSE=1, when each class is hooked. */
typedef struct mpst_metal_hook {
  mpst_rec_header h;
  uint32_t cls; /* string id */
  uint32_t sel; /* string id */
  uint32_t role; /* string id */
  uint8_t _pad0[4];
  uint64_t hits;
  uint8_t state; /* enum mpst_hook_state */
  uint8_t at_exit;
  uint8_t _pad1[6];
} mpst_metal_hook;
#define MPST_WORDS_METAL_HOOK 6
_Static_assert(sizeof(mpst_metal_hook) == 48, "metal_hook size");

/* module (89): A loaded object that call sites point into: its path, GNU build id (hex, empty when it has none) and load base (the `dli_fbase` that callsite offsets of unnamed sites count from). Written once per module, before the first callsite record naming it; `mpstrace symbolize` matches binaries by build id. */
typedef struct mpst_module {
  mpst_rec_header h;
  uint32_t module; /* string id */
  uint32_t build_id; /* string id */
  uint64_t base;
} mpst_module;
#define MPST_WORDS_MODULE 4
_Static_assert(sizeof(mpst_module) == 32, "module size");

/* symbol (90): Source location of a native call site (function, file, line from ELF symbols and DWARF line tables), appended after the run by `mpstrace record` or `mpstrace symbolize`. The innermost inlined frame at the call. */
typedef struct mpst_symbol {
  mpst_rec_header h;
  uint32_t site_id;
  uint32_t line;
  uint32_t function; /* string id */
  uint32_t file; /* string id */
} mpst_symbol;
#define MPST_WORDS_SYMBOL 4
_Static_assert(sizeof(mpst_symbol) == 32, "symbol size");

#ifdef MPST_WANT_EMITTERS
/* Provided by the runtime: reserve `words` zeroed words in this thread's chunk
   (NULL when recording is off, reentrant or out of space, counted as lost),
   then publish the record by storing its first word last. */
void *mpst_record_begin(unsigned words);
void mpst_record_end(void *rec, unsigned kind, unsigned words, uint32_t site, int64_t ts);
int64_t mpst_now(void);

static inline void mpst_emit_process_start_at(int64_t ts, uint32_t site, uint32_t pid, uint32_t ppid, uint8_t backend, uint8_t clock, uint16_t flags, uint32_t recorder) {
  mpst_process_start *r = (mpst_process_start *)mpst_record_begin(MPST_WORDS_PROCESS_START);
  if (!r) return;
  r->pid = pid;
  r->ppid = ppid;
  r->backend = backend;
  r->clock = clock;
  r->flags = flags;
  r->recorder = recorder;
  mpst_record_end(r, MPST_K_PROCESS_START, MPST_WORDS_PROCESS_START, site, ts);
}
#define mpst_emit_process_start(site, pid, ppid, backend, clock, flags, recorder) \
  mpst_emit_process_start_at(mpst_now(), site, pid, ppid, backend, clock, flags, recorder)
static inline void mpst_emit_process_end_at(int64_t ts, uint32_t site, int32_t status, uint32_t reason) {
  mpst_process_end *r = (mpst_process_end *)mpst_record_begin(MPST_WORDS_PROCESS_END);
  if (!r) return;
  r->status = status;
  r->reason = reason;
  mpst_record_end(r, MPST_K_PROCESS_END, MPST_WORDS_PROCESS_END, site, ts);
}
#define mpst_emit_process_end(site, status, reason) \
  mpst_emit_process_end_at(mpst_now(), site, status, reason)
static inline void mpst_emit_clock_calibration_at(int64_t ts, uint32_t site, int64_t host_ns, int64_t gpu_ns, int64_t realtime_ns) {
  mpst_clock_calibration *r = (mpst_clock_calibration *)mpst_record_begin(MPST_WORDS_CLOCK_CALIBRATION);
  if (!r) return;
  r->host_ns = host_ns;
  r->gpu_ns = gpu_ns;
  r->realtime_ns = realtime_ns;
  mpst_record_end(r, MPST_K_CLOCK_CALIBRATION, MPST_WORDS_CLOCK_CALIBRATION, site, ts);
}
#define mpst_emit_clock_calibration(site, host_ns, gpu_ns, realtime_ns) \
  mpst_emit_clock_calibration_at(mpst_now(), site, host_ns, gpu_ns, realtime_ns)
static inline void mpst_emit_fork_at(int64_t ts, uint32_t site, uint32_t child_pid, uint32_t parent_pid, uint32_t child_file) {
  mpst_fork *r = (mpst_fork *)mpst_record_begin(MPST_WORDS_FORK);
  if (!r) return;
  r->child_pid = child_pid;
  r->parent_pid = parent_pid;
  r->child_file = child_file;
  mpst_record_end(r, MPST_K_FORK, MPST_WORDS_FORK, site, ts);
}
#define mpst_emit_fork(site, child_pid, parent_pid, child_file) \
  mpst_emit_fork_at(mpst_now(), site, child_pid, parent_pid, child_file)
static inline void mpst_emit_exec_at(int64_t ts, uint32_t site, uint32_t path) {
  mpst_exec *r = (mpst_exec *)mpst_record_begin(MPST_WORDS_EXEC);
  if (!r) return;
  r->path = path;
  mpst_record_end(r, MPST_K_EXEC, MPST_WORDS_EXEC, site, ts);
}
#define mpst_emit_exec(site, path) \
  mpst_emit_exec_at(mpst_now(), site, path)
static inline void mpst_emit_thread_start_at(int64_t ts, uint32_t site, uint64_t parent_tid) {
  mpst_thread_start *r = (mpst_thread_start *)mpst_record_begin(MPST_WORDS_THREAD_START);
  if (!r) return;
  r->parent_tid = parent_tid;
  mpst_record_end(r, MPST_K_THREAD_START, MPST_WORDS_THREAD_START, site, ts);
}
#define mpst_emit_thread_start(site, parent_tid) \
  mpst_emit_thread_start_at(mpst_now(), site, parent_tid)
static inline void mpst_emit_thread_exit_at(int64_t ts, uint32_t site) {
  mpst_thread_exit *r = (mpst_thread_exit *)mpst_record_begin(MPST_WORDS_THREAD_EXIT);
  if (!r) return;
  mpst_record_end(r, MPST_K_THREAD_EXIT, MPST_WORDS_THREAD_EXIT, site, ts);
}
#define mpst_emit_thread_exit(site) \
  mpst_emit_thread_exit_at(mpst_now(), site)
static inline void mpst_emit_thread_name_at(int64_t ts, uint32_t site, uint32_t name) {
  mpst_thread_name *r = (mpst_thread_name *)mpst_record_begin(MPST_WORDS_THREAD_NAME);
  if (!r) return;
  r->name = name;
  mpst_record_end(r, MPST_K_THREAD_NAME, MPST_WORDS_THREAD_NAME, site, ts);
}
#define mpst_emit_thread_name(site, name) \
  mpst_emit_thread_name_at(mpst_now(), site, name)
static inline void mpst_emit_callsite_at(int64_t ts, uint32_t site, uint32_t site_id, uint32_t symbol, uint32_t module, uint64_t addr, uint64_t offset) {
  mpst_callsite *r = (mpst_callsite *)mpst_record_begin(MPST_WORDS_CALLSITE);
  if (!r) return;
  r->site_id = site_id;
  r->symbol = symbol;
  r->module = module;
  r->addr = addr;
  r->offset = offset;
  mpst_record_end(r, MPST_K_CALLSITE, MPST_WORDS_CALLSITE, site, ts);
}
#define mpst_emit_callsite(site, site_id, symbol, module, addr, offset) \
  mpst_emit_callsite_at(mpst_now(), site, site_id, symbol, module, addr, offset)
static inline void mpst_emit_records_lost_at(int64_t ts, uint32_t site, uint64_t count, int64_t since_ts, uint64_t lost_tid) {
  mpst_records_lost *r = (mpst_records_lost *)mpst_record_begin(MPST_WORDS_RECORDS_LOST);
  if (!r) return;
  r->count = count;
  r->since_ts = since_ts;
  r->lost_tid = lost_tid;
  mpst_record_end(r, MPST_K_RECORDS_LOST, MPST_WORDS_RECORDS_LOST, site, ts);
}
#define mpst_emit_records_lost(site, count, since_ts, lost_tid) \
  mpst_emit_records_lost_at(mpst_now(), site, count, since_ts, lost_tid)
static inline void mpst_emit_heartbeat_at(int64_t ts, uint32_t site, uint64_t blocked_tid, int64_t since_ts, uint64_t target, uint8_t scope, uint32_t api) {
  mpst_heartbeat *r = (mpst_heartbeat *)mpst_record_begin(MPST_WORDS_HEARTBEAT);
  if (!r) return;
  r->blocked_tid = blocked_tid;
  r->since_ts = since_ts;
  r->target = target;
  r->scope = scope;
  r->api = api;
  mpst_record_end(r, MPST_K_HEARTBEAT, MPST_WORDS_HEARTBEAT, site, ts);
}
#define mpst_emit_heartbeat(site, blocked_tid, since_ts, target, scope, api) \
  mpst_emit_heartbeat_at(mpst_now(), site, blocked_tid, since_ts, target, scope, api)
static inline void mpst_emit_recorder_warning_at(int64_t ts, uint32_t site, uint32_t what, int32_t err, uint64_t value) {
  mpst_recorder_warning *r = (mpst_recorder_warning *)mpst_record_begin(MPST_WORDS_RECORDER_WARNING);
  if (!r) return;
  r->what = what;
  r->err = err;
  r->value = value;
  mpst_record_end(r, MPST_K_RECORDER_WARNING, MPST_WORDS_RECORDER_WARNING, site, ts);
}
#define mpst_emit_recorder_warning(site, what, err, value) \
  mpst_emit_recorder_warning_at(mpst_now(), site, what, err, value)
static inline void mpst_emit_stream_create_at(int64_t ts, uint32_t site, uint64_t stream, uint32_t flags, int32_t priority) {
  mpst_stream_create *r = (mpst_stream_create *)mpst_record_begin(MPST_WORDS_STREAM_CREATE);
  if (!r) return;
  r->stream = stream;
  r->flags = flags;
  r->priority = priority;
  mpst_record_end(r, MPST_K_STREAM_CREATE, MPST_WORDS_STREAM_CREATE, site, ts);
}
#define mpst_emit_stream_create(site, stream, flags, priority) \
  mpst_emit_stream_create_at(mpst_now(), site, stream, flags, priority)
static inline void mpst_emit_stream_destroy_at(int64_t ts, uint32_t site, uint64_t stream) {
  mpst_stream_destroy *r = (mpst_stream_destroy *)mpst_record_begin(MPST_WORDS_STREAM_DESTROY);
  if (!r) return;
  r->stream = stream;
  mpst_record_end(r, MPST_K_STREAM_DESTROY, MPST_WORDS_STREAM_DESTROY, site, ts);
}
#define mpst_emit_stream_destroy(site, stream) \
  mpst_emit_stream_destroy_at(mpst_now(), site, stream)
static inline void mpst_emit_slot_acquire_at(int64_t ts, uint32_t site, uint64_t stream, uint32_t slot, int32_t free_after, int64_t wait_ns, uint8_t source) {
  mpst_slot_acquire *r = (mpst_slot_acquire *)mpst_record_begin(MPST_WORDS_SLOT_ACQUIRE);
  if (!r) return;
  r->stream = stream;
  r->slot = slot;
  r->free_after = free_after;
  r->wait_ns = wait_ns;
  r->source = source;
  mpst_record_end(r, MPST_K_SLOT_ACQUIRE, MPST_WORDS_SLOT_ACQUIRE, site, ts);
}
#define mpst_emit_slot_acquire(site, stream, slot, free_after, wait_ns, source) \
  mpst_emit_slot_acquire_at(mpst_now(), site, stream, slot, free_after, wait_ns, source)
static inline void mpst_emit_slot_release_at(int64_t ts, uint32_t site, uint64_t stream, uint32_t slot, int32_t free_after, uint8_t at_thread_exit, uint8_t source) {
  mpst_slot_release *r = (mpst_slot_release *)mpst_record_begin(MPST_WORDS_SLOT_RELEASE);
  if (!r) return;
  r->stream = stream;
  r->slot = slot;
  r->free_after = free_after;
  r->at_thread_exit = at_thread_exit;
  r->source = source;
  mpst_record_end(r, MPST_K_SLOT_RELEASE, MPST_WORDS_SLOT_RELEASE, site, ts);
}
#define mpst_emit_slot_release(site, stream, slot, free_after, at_thread_exit, source) \
  mpst_emit_slot_release_at(mpst_now(), site, stream, slot, free_after, at_thread_exit, source)
static inline void mpst_emit_slot_set_current_at(int64_t ts, uint32_t site, uint64_t stream, uint32_t slot, int32_t prev_slot, uint8_t source) {
  mpst_slot_set_current *r = (mpst_slot_set_current *)mpst_record_begin(MPST_WORDS_SLOT_SET_CURRENT);
  if (!r) return;
  r->stream = stream;
  r->slot = slot;
  r->prev_slot = prev_slot;
  r->source = source;
  mpst_record_end(r, MPST_K_SLOT_SET_CURRENT, MPST_WORDS_SLOT_SET_CURRENT, site, ts);
}
#define mpst_emit_slot_set_current(site, stream, slot, prev_slot, source) \
  mpst_emit_slot_set_current_at(mpst_now(), site, stream, slot, prev_slot, source)
static inline void mpst_emit_stream_query_at(int64_t ts, uint32_t site, uint64_t stream, int32_t result) {
  mpst_stream_query *r = (mpst_stream_query *)mpst_record_begin(MPST_WORDS_STREAM_QUERY);
  if (!r) return;
  r->stream = stream;
  r->result = result;
  mpst_record_end(r, MPST_K_STREAM_QUERY, MPST_WORDS_STREAM_QUERY, site, ts);
}
#define mpst_emit_stream_query(site, stream, result) \
  mpst_emit_stream_query_at(mpst_now(), site, stream, result)
static inline void mpst_emit_event_create_at(int64_t ts, uint32_t site, uint64_t event, uint32_t flags, uint8_t timing) {
  mpst_event_create *r = (mpst_event_create *)mpst_record_begin(MPST_WORDS_EVENT_CREATE);
  if (!r) return;
  r->event = event;
  r->flags = flags;
  r->timing = timing;
  mpst_record_end(r, MPST_K_EVENT_CREATE, MPST_WORDS_EVENT_CREATE, site, ts);
}
#define mpst_emit_event_create(site, event, flags, timing) \
  mpst_emit_event_create_at(mpst_now(), site, event, flags, timing)
static inline void mpst_emit_event_destroy_at(int64_t ts, uint32_t site, uint64_t event) {
  mpst_event_destroy *r = (mpst_event_destroy *)mpst_record_begin(MPST_WORDS_EVENT_DESTROY);
  if (!r) return;
  r->event = event;
  mpst_record_end(r, MPST_K_EVENT_DESTROY, MPST_WORDS_EVENT_DESTROY, site, ts);
}
#define mpst_emit_event_destroy(site, event) \
  mpst_emit_event_destroy_at(mpst_now(), site, event)
static inline void mpst_emit_event_record_at(int64_t ts, uint32_t site, uint64_t event, uint64_t stream) {
  mpst_event_record *r = (mpst_event_record *)mpst_record_begin(MPST_WORDS_EVENT_RECORD);
  if (!r) return;
  r->event = event;
  r->stream = stream;
  mpst_record_end(r, MPST_K_EVENT_RECORD, MPST_WORDS_EVENT_RECORD, site, ts);
}
#define mpst_emit_event_record(site, event, stream) \
  mpst_emit_event_record_at(mpst_now(), site, event, stream)
static inline void mpst_emit_event_wait_at(int64_t ts, uint32_t site, uint64_t event, uint64_t stream) {
  mpst_event_wait *r = (mpst_event_wait *)mpst_record_begin(MPST_WORDS_EVENT_WAIT);
  if (!r) return;
  r->event = event;
  r->stream = stream;
  mpst_record_end(r, MPST_K_EVENT_WAIT, MPST_WORDS_EVENT_WAIT, site, ts);
}
#define mpst_emit_event_wait(site, event, stream) \
  mpst_emit_event_wait_at(mpst_now(), site, event, stream)
static inline void mpst_emit_event_query_at(int64_t ts, uint32_t site, uint64_t event, int32_t result) {
  mpst_event_query *r = (mpst_event_query *)mpst_record_begin(MPST_WORDS_EVENT_QUERY);
  if (!r) return;
  r->event = event;
  r->result = result;
  mpst_record_end(r, MPST_K_EVENT_QUERY, MPST_WORDS_EVENT_QUERY, site, ts);
}
#define mpst_emit_event_query(site, event, result) \
  mpst_emit_event_query_at(mpst_now(), site, event, result)
static inline void mpst_emit_elapsed_begin_at(int64_t ts, uint32_t site, uint64_t start_event, uint64_t end_event) {
  mpst_elapsed_begin *r = (mpst_elapsed_begin *)mpst_record_begin(MPST_WORDS_ELAPSED_BEGIN);
  if (!r) return;
  r->start_event = start_event;
  r->end_event = end_event;
  mpst_record_end(r, MPST_K_ELAPSED_BEGIN, MPST_WORDS_ELAPSED_BEGIN, site, ts);
}
#define mpst_emit_elapsed_begin(site, start_event, end_event) \
  mpst_emit_elapsed_begin_at(mpst_now(), site, start_event, end_event)
static inline void mpst_emit_elapsed_end_at(int64_t ts, uint32_t site, uint64_t start_event, uint64_t end_event, int64_t elapsed_ns, int32_t error) {
  mpst_elapsed_end *r = (mpst_elapsed_end *)mpst_record_begin(MPST_WORDS_ELAPSED_END);
  if (!r) return;
  r->start_event = start_event;
  r->end_event = end_event;
  r->elapsed_ns = elapsed_ns;
  r->error = error;
  mpst_record_end(r, MPST_K_ELAPSED_END, MPST_WORDS_ELAPSED_END, site, ts);
}
#define mpst_emit_elapsed_end(site, start_event, end_event, elapsed_ns, error) \
  mpst_emit_elapsed_end_at(mpst_now(), site, start_event, end_event, elapsed_ns, error)
static inline void mpst_emit_submit_at(int64_t ts, uint32_t site, uint64_t stream, uint32_t name, uint32_t corr) {
  mpst_submit *r = (mpst_submit *)mpst_record_begin(MPST_WORDS_SUBMIT);
  if (!r) return;
  r->stream = stream;
  r->name = name;
  r->corr = corr;
  mpst_record_end(r, MPST_K_SUBMIT, MPST_WORDS_SUBMIT, site, ts);
}
#define mpst_emit_submit(site, stream, name, corr) \
  mpst_emit_submit_at(mpst_now(), site, stream, name, corr)
static inline void mpst_emit_complete_at(int64_t ts, uint32_t site, uint32_t corr, int32_t error, int64_t dur_ns) {
  mpst_complete *r = (mpst_complete *)mpst_record_begin(MPST_WORDS_COMPLETE);
  if (!r) return;
  r->corr = corr;
  r->error = error;
  r->dur_ns = dur_ns;
  mpst_record_end(r, MPST_K_COMPLETE, MPST_WORDS_COMPLETE, site, ts);
}
#define mpst_emit_complete(site, corr, error, dur_ns) \
  mpst_emit_complete_at(mpst_now(), site, corr, error, dur_ns)
static inline void mpst_emit_cb_create_at(int64_t ts, uint32_t site, uint64_t cb, uint64_t stream, uint32_t corr) {
  mpst_cb_create *r = (mpst_cb_create *)mpst_record_begin(MPST_WORDS_CB_CREATE);
  if (!r) return;
  r->cb = cb;
  r->stream = stream;
  r->corr = corr;
  mpst_record_end(r, MPST_K_CB_CREATE, MPST_WORDS_CB_CREATE, site, ts);
}
#define mpst_emit_cb_create(site, cb, stream, corr) \
  mpst_emit_cb_create_at(mpst_now(), site, cb, stream, corr)
static inline void mpst_emit_cb_commit_at(int64_t ts, uint32_t site, uint64_t cb, uint64_t stream, uint32_t corr, uint8_t and_continue) {
  mpst_cb_commit *r = (mpst_cb_commit *)mpst_record_begin(MPST_WORDS_CB_COMMIT);
  if (!r) return;
  r->cb = cb;
  r->stream = stream;
  r->corr = corr;
  r->and_continue = and_continue;
  mpst_record_end(r, MPST_K_CB_COMMIT, MPST_WORDS_CB_COMMIT, site, ts);
}
#define mpst_emit_cb_commit(site, cb, stream, corr, and_continue) \
  mpst_emit_cb_commit_at(mpst_now(), site, cb, stream, corr, and_continue)
static inline void mpst_emit_cb_dealloc_at(int64_t ts, uint32_t site, uint64_t cb, uint32_t corr) {
  mpst_cb_dealloc *r = (mpst_cb_dealloc *)mpst_record_begin(MPST_WORDS_CB_DEALLOC);
  if (!r) return;
  r->cb = cb;
  r->corr = corr;
  mpst_record_end(r, MPST_K_CB_DEALLOC, MPST_WORDS_CB_DEALLOC, site, ts);
}
#define mpst_emit_cb_dealloc(site, cb, corr) \
  mpst_emit_cb_dealloc_at(mpst_now(), site, cb, corr)
static inline void mpst_emit_object_create_at(int64_t ts, uint32_t site, uint64_t obj, uint64_t owner, uint64_t bytes, uint8_t type) {
  mpst_object_create *r = (mpst_object_create *)mpst_record_begin(MPST_WORDS_OBJECT_CREATE);
  if (!r) return;
  r->obj = obj;
  r->owner = owner;
  r->bytes = bytes;
  r->type = type;
  mpst_record_end(r, MPST_K_OBJECT_CREATE, MPST_WORDS_OBJECT_CREATE, site, ts);
}
#define mpst_emit_object_create(site, obj, owner, bytes, type) \
  mpst_emit_object_create_at(mpst_now(), site, obj, owner, bytes, type)
static inline void mpst_emit_object_destroy_at(int64_t ts, uint32_t site, uint64_t obj, uint8_t type) {
  mpst_object_destroy *r = (mpst_object_destroy *)mpst_record_begin(MPST_WORDS_OBJECT_DESTROY);
  if (!r) return;
  r->obj = obj;
  r->type = type;
  mpst_record_end(r, MPST_K_OBJECT_DESTROY, MPST_WORDS_OBJECT_DESTROY, site, ts);
}
#define mpst_emit_object_destroy(site, obj, type) \
  mpst_emit_object_destroy_at(mpst_now(), site, obj, type)
static inline void mpst_emit_sync_begin_at(int64_t ts, uint32_t site, uint64_t target, uint8_t scope, uint32_t api) {
  mpst_sync_begin *r = (mpst_sync_begin *)mpst_record_begin(MPST_WORDS_SYNC_BEGIN);
  if (!r) return;
  r->target = target;
  r->scope = scope;
  r->api = api;
  mpst_record_end(r, MPST_K_SYNC_BEGIN, MPST_WORDS_SYNC_BEGIN, site, ts);
}
#define mpst_emit_sync_begin(site, target, scope, api) \
  mpst_emit_sync_begin_at(mpst_now(), site, target, scope, api)
static inline void mpst_emit_sync_end_at(int64_t ts, uint32_t site, uint64_t target, uint8_t scope, uint32_t api, int32_t result) {
  mpst_sync_end *r = (mpst_sync_end *)mpst_record_begin(MPST_WORDS_SYNC_END);
  if (!r) return;
  r->target = target;
  r->scope = scope;
  r->api = api;
  r->result = result;
  mpst_record_end(r, MPST_K_SYNC_END, MPST_WORDS_SYNC_END, site, ts);
}
#define mpst_emit_sync_end(site, target, scope, api, result) \
  mpst_emit_sync_end_at(mpst_now(), site, target, scope, api, result)
static inline void mpst_emit_intent_device_sync_begin_at(int64_t ts, uint32_t site, uint32_t name) {
  mpst_intent_device_sync_begin *r = (mpst_intent_device_sync_begin *)mpst_record_begin(MPST_WORDS_INTENT_DEVICE_SYNC_BEGIN);
  if (!r) return;
  r->name = name;
  mpst_record_end(r, MPST_K_INTENT_DEVICE_SYNC_BEGIN, MPST_WORDS_INTENT_DEVICE_SYNC_BEGIN, site, ts);
}
#define mpst_emit_intent_device_sync_begin(site, name) \
  mpst_emit_intent_device_sync_begin_at(mpst_now(), site, name)
static inline void mpst_emit_intent_device_sync_end_at(int64_t ts, uint32_t site, uint32_t name) {
  mpst_intent_device_sync_end *r = (mpst_intent_device_sync_end *)mpst_record_begin(MPST_WORDS_INTENT_DEVICE_SYNC_END);
  if (!r) return;
  r->name = name;
  mpst_record_end(r, MPST_K_INTENT_DEVICE_SYNC_END, MPST_WORDS_INTENT_DEVICE_SYNC_END, site, ts);
}
#define mpst_emit_intent_device_sync_end(site, name) \
  mpst_emit_intent_device_sync_end_at(mpst_now(), site, name)
static inline void mpst_emit_intent_record_at(int64_t ts, uint32_t site, uint64_t event, uint64_t stream) {
  mpst_intent_record *r = (mpst_intent_record *)mpst_record_begin(MPST_WORDS_INTENT_RECORD);
  if (!r) return;
  r->event = event;
  r->stream = stream;
  mpst_record_end(r, MPST_K_INTENT_RECORD, MPST_WORDS_INTENT_RECORD, site, ts);
}
#define mpst_emit_intent_record(site, event, stream) \
  mpst_emit_intent_record_at(mpst_now(), site, event, stream)
static inline void mpst_emit_intent_wait_at(int64_t ts, uint32_t site, uint64_t event, uint64_t stream) {
  mpst_intent_wait *r = (mpst_intent_wait *)mpst_record_begin(MPST_WORDS_INTENT_WAIT);
  if (!r) return;
  r->event = event;
  r->stream = stream;
  mpst_record_end(r, MPST_K_INTENT_WAIT, MPST_WORDS_INTENT_WAIT, site, ts);
}
#define mpst_emit_intent_wait(site, event, stream) \
  mpst_emit_intent_wait_at(mpst_now(), site, event, stream)
static inline void mpst_emit_range_push_at(int64_t ts, uint32_t site, uint32_t name) {
  mpst_range_push *r = (mpst_range_push *)mpst_record_begin(MPST_WORDS_RANGE_PUSH);
  if (!r) return;
  r->name = name;
  mpst_record_end(r, MPST_K_RANGE_PUSH, MPST_WORDS_RANGE_PUSH, site, ts);
}
#define mpst_emit_range_push(site, name) \
  mpst_emit_range_push_at(mpst_now(), site, name)
static inline void mpst_emit_range_pop_at(int64_t ts, uint32_t site) {
  mpst_range_pop *r = (mpst_range_pop *)mpst_record_begin(MPST_WORDS_RANGE_POP);
  if (!r) return;
  mpst_record_end(r, MPST_K_RANGE_POP, MPST_WORDS_RANGE_POP, site, ts);
}
#define mpst_emit_range_pop(site) \
  mpst_emit_range_pop_at(mpst_now(), site)
static inline void mpst_emit_marker_at(int64_t ts, uint32_t site, uint32_t name) {
  mpst_marker *r = (mpst_marker *)mpst_record_begin(MPST_WORDS_MARKER);
  if (!r) return;
  r->name = name;
  mpst_record_end(r, MPST_K_MARKER, MPST_WORDS_MARKER, site, ts);
}
#define mpst_emit_marker(site, name) \
  mpst_emit_marker_at(mpst_now(), site, name)
static inline void mpst_emit_buffer_access_at(int64_t ts, uint32_t site, uint64_t ptr, uint64_t bytes, uint64_t stream, uint8_t mode) {
  mpst_buffer_access *r = (mpst_buffer_access *)mpst_record_begin(MPST_WORDS_BUFFER_ACCESS);
  if (!r) return;
  r->ptr = ptr;
  r->bytes = bytes;
  r->stream = stream;
  r->mode = mode;
  mpst_record_end(r, MPST_K_BUFFER_ACCESS, MPST_WORDS_BUFFER_ACCESS, site, ts);
}
#define mpst_emit_buffer_access(site, ptr, bytes, stream, mode) \
  mpst_emit_buffer_access_at(mpst_now(), site, ptr, bytes, stream, mode)
static inline void mpst_emit_memcpy_at(int64_t ts, uint32_t site, uint64_t dst, uint64_t src, uint64_t bytes, uint64_t stream, uint32_t corr, uint8_t dir, uint8_t is_async) {
  mpst_memcpy *r = (mpst_memcpy *)mpst_record_begin(MPST_WORDS_MEMCPY);
  if (!r) return;
  r->dst = dst;
  r->src = src;
  r->bytes = bytes;
  r->stream = stream;
  r->corr = corr;
  r->dir = dir;
  r->is_async = is_async;
  mpst_record_end(r, MPST_K_MEMCPY, MPST_WORDS_MEMCPY, site, ts);
}
#define mpst_emit_memcpy(site, dst, src, bytes, stream, corr, dir, is_async) \
  mpst_emit_memcpy_at(mpst_now(), site, dst, src, bytes, stream, corr, dir, is_async)
static inline void mpst_emit_memset_at(int64_t ts, uint32_t site, uint64_t dst, uint64_t bytes, uint64_t stream, uint32_t corr, uint8_t is_async) {
  mpst_memset *r = (mpst_memset *)mpst_record_begin(MPST_WORDS_MEMSET);
  if (!r) return;
  r->dst = dst;
  r->bytes = bytes;
  r->stream = stream;
  r->corr = corr;
  r->is_async = is_async;
  mpst_record_end(r, MPST_K_MEMSET, MPST_WORDS_MEMSET, site, ts);
}
#define mpst_emit_memset(site, dst, bytes, stream, corr, is_async) \
  mpst_emit_memset_at(mpst_now(), site, dst, bytes, stream, corr, is_async)
static inline void mpst_emit_alloc_at(int64_t ts, uint32_t site, uint64_t ptr, uint64_t bytes, uint64_t stream, uint8_t mem) {
  mpst_alloc *r = (mpst_alloc *)mpst_record_begin(MPST_WORDS_ALLOC);
  if (!r) return;
  r->ptr = ptr;
  r->bytes = bytes;
  r->stream = stream;
  r->mem = mem;
  mpst_record_end(r, MPST_K_ALLOC, MPST_WORDS_ALLOC, site, ts);
}
#define mpst_emit_alloc(site, ptr, bytes, stream, mem) \
  mpst_emit_alloc_at(mpst_now(), site, ptr, bytes, stream, mem)
static inline void mpst_emit_free_at(int64_t ts, uint32_t site, uint64_t ptr, uint64_t stream, uint8_t mem) {
  mpst_free *r = (mpst_free *)mpst_record_begin(MPST_WORDS_FREE);
  if (!r) return;
  r->ptr = ptr;
  r->stream = stream;
  r->mem = mem;
  mpst_record_end(r, MPST_K_FREE, MPST_WORDS_FREE, site, ts);
}
#define mpst_emit_free(site, ptr, stream, mem) \
  mpst_emit_free_at(mpst_now(), site, ptr, stream, mem)
static inline void mpst_emit_api_sync_begin_at(int64_t ts, uint32_t site, uint64_t target, uint8_t scope, uint32_t api) {
  mpst_api_sync_begin *r = (mpst_api_sync_begin *)mpst_record_begin(MPST_WORDS_API_SYNC_BEGIN);
  if (!r) return;
  r->target = target;
  r->scope = scope;
  r->api = api;
  mpst_record_end(r, MPST_K_API_SYNC_BEGIN, MPST_WORDS_API_SYNC_BEGIN, site, ts);
}
#define mpst_emit_api_sync_begin(site, target, scope, api) \
  mpst_emit_api_sync_begin_at(mpst_now(), site, target, scope, api)
static inline void mpst_emit_api_sync_end_at(int64_t ts, uint32_t site, uint64_t target, uint8_t scope, uint32_t api, int32_t result) {
  mpst_api_sync_end *r = (mpst_api_sync_end *)mpst_record_begin(MPST_WORDS_API_SYNC_END);
  if (!r) return;
  r->target = target;
  r->scope = scope;
  r->api = api;
  r->result = result;
  mpst_record_end(r, MPST_K_API_SYNC_END, MPST_WORDS_API_SYNC_END, site, ts);
}
#define mpst_emit_api_sync_end(site, target, scope, api, result) \
  mpst_emit_api_sync_end_at(mpst_now(), site, target, scope, api, result)
static inline void mpst_emit_api_current_stream_at(int64_t ts, uint32_t site, uint64_t stream, uint64_t prev, int32_t device) {
  mpst_api_current_stream *r = (mpst_api_current_stream *)mpst_record_begin(MPST_WORDS_API_CURRENT_STREAM);
  if (!r) return;
  r->stream = stream;
  r->prev = prev;
  r->device = device;
  mpst_record_end(r, MPST_K_API_CURRENT_STREAM, MPST_WORDS_API_CURRENT_STREAM, site, ts);
}
#define mpst_emit_api_current_stream(site, stream, prev, device) \
  mpst_emit_api_current_stream_at(mpst_now(), site, stream, prev, device)
static inline void mpst_emit_api_elapsed_at(int64_t ts, uint32_t site, uint64_t start_event, uint64_t end_event, int64_t elapsed_ns, uint8_t start_timing, uint8_t end_timing, uint8_t raised) {
  mpst_api_elapsed *r = (mpst_api_elapsed *)mpst_record_begin(MPST_WORDS_API_ELAPSED);
  if (!r) return;
  r->start_event = start_event;
  r->end_event = end_event;
  r->elapsed_ns = elapsed_ns;
  r->start_timing = start_timing;
  r->end_timing = end_timing;
  r->raised = raised;
  mpst_record_end(r, MPST_K_API_ELAPSED, MPST_WORDS_API_ELAPSED, site, ts);
}
#define mpst_emit_api_elapsed(site, start_event, end_event, elapsed_ns, start_timing, end_timing, raised) \
  mpst_emit_api_elapsed_at(mpst_now(), site, start_event, end_event, elapsed_ns, start_timing, end_timing, raised)
static inline void mpst_emit_api_record_stream_at(int64_t ts, uint32_t site, uint64_t ptr, uint64_t bytes, uint64_t stream) {
  mpst_api_record_stream *r = (mpst_api_record_stream *)mpst_record_begin(MPST_WORDS_API_RECORD_STREAM);
  if (!r) return;
  r->ptr = ptr;
  r->bytes = bytes;
  r->stream = stream;
  mpst_record_end(r, MPST_K_API_RECORD_STREAM, MPST_WORDS_API_RECORD_STREAM, site, ts);
}
#define mpst_emit_api_record_stream(site, ptr, bytes, stream) \
  mpst_emit_api_record_stream_at(mpst_now(), site, ptr, bytes, stream)
static inline void mpst_emit_tensor_access_at(int64_t ts, uint32_t site, uint64_t ptr, uint64_t bytes, uint64_t base, uint64_t stream, uint32_t op, uint8_t mode) {
  mpst_tensor_access *r = (mpst_tensor_access *)mpst_record_begin(MPST_WORDS_TENSOR_ACCESS);
  if (!r) return;
  r->ptr = ptr;
  r->bytes = bytes;
  r->base = base;
  r->stream = stream;
  r->op = op;
  r->mode = mode;
  mpst_record_end(r, MPST_K_TENSOR_ACCESS, MPST_WORDS_TENSOR_ACCESS, site, ts);
}
#define mpst_emit_tensor_access(site, ptr, bytes, base, stream, op, mode) \
  mpst_emit_tensor_access_at(mpst_now(), site, ptr, bytes, base, stream, op, mode)
static inline void mpst_emit_api_layer_at(int64_t ts, uint32_t site, uint8_t level, uint8_t ok, uint32_t message) {
  mpst_api_layer *r = (mpst_api_layer *)mpst_record_begin(MPST_WORDS_API_LAYER);
  if (!r) return;
  r->level = level;
  r->ok = ok;
  r->message = message;
  mpst_record_end(r, MPST_K_API_LAYER, MPST_WORDS_API_LAYER, site, ts);
}
#define mpst_emit_api_layer(site, level, ok, message) \
  mpst_emit_api_layer_at(mpst_now(), site, level, ok, message)
static inline void mpst_emit_event_value_at(int64_t ts, uint32_t site, uint64_t event, uint64_t value, uint64_t stream, uint8_t op) {
  mpst_event_value *r = (mpst_event_value *)mpst_record_begin(MPST_WORDS_EVENT_VALUE);
  if (!r) return;
  r->event = event;
  r->value = value;
  r->stream = stream;
  r->op = op;
  mpst_record_end(r, MPST_K_EVENT_VALUE, MPST_WORDS_EVENT_VALUE, site, ts);
}
#define mpst_emit_event_value(site, event, value, stream, op) \
  mpst_emit_event_value_at(mpst_now(), site, event, value, stream, op)
static inline void mpst_emit_metal_hook_at(int64_t ts, uint32_t site, uint32_t cls, uint32_t sel, uint32_t role, uint64_t hits, uint8_t state, uint8_t at_exit) {
  mpst_metal_hook *r = (mpst_metal_hook *)mpst_record_begin(MPST_WORDS_METAL_HOOK);
  if (!r) return;
  r->cls = cls;
  r->sel = sel;
  r->role = role;
  r->hits = hits;
  r->state = state;
  r->at_exit = at_exit;
  mpst_record_end(r, MPST_K_METAL_HOOK, MPST_WORDS_METAL_HOOK, site, ts);
}
#define mpst_emit_metal_hook(site, cls, sel, role, hits, state, at_exit) \
  mpst_emit_metal_hook_at(mpst_now(), site, cls, sel, role, hits, state, at_exit)
static inline void mpst_emit_module_at(int64_t ts, uint32_t site, uint32_t module, uint32_t build_id, uint64_t base) {
  mpst_module *r = (mpst_module *)mpst_record_begin(MPST_WORDS_MODULE);
  if (!r) return;
  r->module = module;
  r->build_id = build_id;
  r->base = base;
  mpst_record_end(r, MPST_K_MODULE, MPST_WORDS_MODULE, site, ts);
}
#define mpst_emit_module(site, module, build_id, base) \
  mpst_emit_module_at(mpst_now(), site, module, build_id, base)
static inline void mpst_emit_symbol_at(int64_t ts, uint32_t site, uint32_t site_id, uint32_t line, uint32_t function, uint32_t file) {
  mpst_symbol *r = (mpst_symbol *)mpst_record_begin(MPST_WORDS_SYMBOL);
  if (!r) return;
  r->site_id = site_id;
  r->line = line;
  r->function = function;
  r->file = file;
  mpst_record_end(r, MPST_K_SYMBOL, MPST_WORDS_SYMBOL, site, ts);
}
#define mpst_emit_symbol(site, site_id, line, function, file) \
  mpst_emit_symbol_at(mpst_now(), site, site_id, line, function, file)
#endif /* MPST_WANT_EMITTERS */

#endif /* MPSTRACE_FORMAT_H */
