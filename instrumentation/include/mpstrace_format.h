/* Generated from instrumentation/schema/events.json by `npm run gen`. Do not edit. */
#ifndef MPSTRACE_FORMAT_H
#define MPSTRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define MPST_VERSION_MAJOR 2
#define MPST_VERSION_MINOR 0
#define MPST_FILE_MAGIC "MPSTRACE"
#define MPST_FILE_HEADER_BYTES 64
#define MPST_CHUNK_HEADER_BYTES 32
#define MPST_CHUNK_MAGIC 0x4B43504Du /* 'MPCK' */
#define MPST_RECORD_HEADER_BYTES 16
#define MPST_MAX_RECORD_WORDS 255
#define MPST_MIN_CHUNK_BYTES 4096
#define MPST_MAX_CHUNK_BYTES 67108864
#define MPST_END_MAGIC "MPSTDONE"
#define MPST_FILE_END_BYTES 32
#define MPST_CHUNK_ENTRY_BYTES 8
#define MPST_CHECK_INIT 0xFFFFu

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

/* Bits of the `pause` annotation: which parts of the recorder stop (for measuring each part's cost in one process). */
enum mpst_pause_part {
  MPST_PAUSE_PART_HOOKS = 1,
  MPST_PAUSE_PART_COMPLETIONS = 2,
  MPST_PAUSE_PART_CALLBACKS = 4,
  MPST_PAUSE_PART_FLUSH = 8,
  MPST_PAUSE_PART_ALL = 15,
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
  MPST_K_HOST_ACCESS = 91,
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

/* chunk_entry (8 bytes): Version 2: one per chunk, in chunk order, in the table the file end closes: what the recorder's walk of the chunk found when it closed the file. The reader holds every chunk against its entry. */
typedef struct mpst_chunk_entry {
  uint32_t records;
  uint32_t used_bytes;
} mpst_chunk_entry;
_Static_assert(sizeof(mpst_chunk_entry) == 8, "chunk_entry size");

/* file_end (32 bytes): Version 2: the last 32 bytes of a cleanly closed file, after the chunk table: `header_bytes + chunks * (chunk_bytes + 8) + 32` is the file size. A file without it was cut or its recorder was killed. */
typedef struct mpst_file_end {
  char magic[8];
  uint32_t chunks;
  uint32_t table_check;
  uint64_t records;
  uint32_t reserved;
  uint32_t check;
} mpst_file_end;
_Static_assert(sizeof(mpst_file_end) == 32, "file_end size");

/* Record header. w0 = kind | words << 8 | check << 16 | site << 32, stored last. */
typedef struct mpst_rec_header {
  uint64_t w0;
  int64_t ts;
} mpst_rec_header;

/* CRC-16, reflected polynomial 0x8408, init MPST_CHECK_INIT, no final xor, sliced by 8:
   mpst_crc16_tab[k][b] is the CRC of byte b followed by k zero bytes. */
static const uint16_t mpst_crc16_tab[8][256] = {
  {
    0x0000, 0x1189, 0x2312, 0x329b, 0x4624, 0x57ad, 0x6536, 0x74bf, 0x8c48, 0x9dc1, 0xaf5a, 0xbed3, 0xca6c, 0xdbe5, 0xe97e, 0xf8f7,
    0x1081, 0x0108, 0x3393, 0x221a, 0x56a5, 0x472c, 0x75b7, 0x643e, 0x9cc9, 0x8d40, 0xbfdb, 0xae52, 0xdaed, 0xcb64, 0xf9ff, 0xe876,
    0x2102, 0x308b, 0x0210, 0x1399, 0x6726, 0x76af, 0x4434, 0x55bd, 0xad4a, 0xbcc3, 0x8e58, 0x9fd1, 0xeb6e, 0xfae7, 0xc87c, 0xd9f5,
    0x3183, 0x200a, 0x1291, 0x0318, 0x77a7, 0x662e, 0x54b5, 0x453c, 0xbdcb, 0xac42, 0x9ed9, 0x8f50, 0xfbef, 0xea66, 0xd8fd, 0xc974,
    0x4204, 0x538d, 0x6116, 0x709f, 0x0420, 0x15a9, 0x2732, 0x36bb, 0xce4c, 0xdfc5, 0xed5e, 0xfcd7, 0x8868, 0x99e1, 0xab7a, 0xbaf3,
    0x5285, 0x430c, 0x7197, 0x601e, 0x14a1, 0x0528, 0x37b3, 0x263a, 0xdecd, 0xcf44, 0xfddf, 0xec56, 0x98e9, 0x8960, 0xbbfb, 0xaa72,
    0x6306, 0x728f, 0x4014, 0x519d, 0x2522, 0x34ab, 0x0630, 0x17b9, 0xef4e, 0xfec7, 0xcc5c, 0xddd5, 0xa96a, 0xb8e3, 0x8a78, 0x9bf1,
    0x7387, 0x620e, 0x5095, 0x411c, 0x35a3, 0x242a, 0x16b1, 0x0738, 0xffcf, 0xee46, 0xdcdd, 0xcd54, 0xb9eb, 0xa862, 0x9af9, 0x8b70,
    0x8408, 0x9581, 0xa71a, 0xb693, 0xc22c, 0xd3a5, 0xe13e, 0xf0b7, 0x0840, 0x19c9, 0x2b52, 0x3adb, 0x4e64, 0x5fed, 0x6d76, 0x7cff,
    0x9489, 0x8500, 0xb79b, 0xa612, 0xd2ad, 0xc324, 0xf1bf, 0xe036, 0x18c1, 0x0948, 0x3bd3, 0x2a5a, 0x5ee5, 0x4f6c, 0x7df7, 0x6c7e,
    0xa50a, 0xb483, 0x8618, 0x9791, 0xe32e, 0xf2a7, 0xc03c, 0xd1b5, 0x2942, 0x38cb, 0x0a50, 0x1bd9, 0x6f66, 0x7eef, 0x4c74, 0x5dfd,
    0xb58b, 0xa402, 0x9699, 0x8710, 0xf3af, 0xe226, 0xd0bd, 0xc134, 0x39c3, 0x284a, 0x1ad1, 0x0b58, 0x7fe7, 0x6e6e, 0x5cf5, 0x4d7c,
    0xc60c, 0xd785, 0xe51e, 0xf497, 0x8028, 0x91a1, 0xa33a, 0xb2b3, 0x4a44, 0x5bcd, 0x6956, 0x78df, 0x0c60, 0x1de9, 0x2f72, 0x3efb,
    0xd68d, 0xc704, 0xf59f, 0xe416, 0x90a9, 0x8120, 0xb3bb, 0xa232, 0x5ac5, 0x4b4c, 0x79d7, 0x685e, 0x1ce1, 0x0d68, 0x3ff3, 0x2e7a,
    0xe70e, 0xf687, 0xc41c, 0xd595, 0xa12a, 0xb0a3, 0x8238, 0x93b1, 0x6b46, 0x7acf, 0x4854, 0x59dd, 0x2d62, 0x3ceb, 0x0e70, 0x1ff9,
    0xf78f, 0xe606, 0xd49d, 0xc514, 0xb1ab, 0xa022, 0x92b9, 0x8330, 0x7bc7, 0x6a4e, 0x58d5, 0x495c, 0x3de3, 0x2c6a, 0x1ef1, 0x0f78,
  },
  {
    0x0000, 0x19d8, 0x33b0, 0x2a68, 0x6760, 0x7eb8, 0x54d0, 0x4d08, 0xcec0, 0xd718, 0xfd70, 0xe4a8, 0xa9a0, 0xb078, 0x9a10, 0x83c8,
    0x9591, 0x8c49, 0xa621, 0xbff9, 0xf2f1, 0xeb29, 0xc141, 0xd899, 0x5b51, 0x4289, 0x68e1, 0x7139, 0x3c31, 0x25e9, 0x0f81, 0x1659,
    0x2333, 0x3aeb, 0x1083, 0x095b, 0x4453, 0x5d8b, 0x77e3, 0x6e3b, 0xedf3, 0xf42b, 0xde43, 0xc79b, 0x8a93, 0x934b, 0xb923, 0xa0fb,
    0xb6a2, 0xaf7a, 0x8512, 0x9cca, 0xd1c2, 0xc81a, 0xe272, 0xfbaa, 0x7862, 0x61ba, 0x4bd2, 0x520a, 0x1f02, 0x06da, 0x2cb2, 0x356a,
    0x4666, 0x5fbe, 0x75d6, 0x6c0e, 0x2106, 0x38de, 0x12b6, 0x0b6e, 0x88a6, 0x917e, 0xbb16, 0xa2ce, 0xefc6, 0xf61e, 0xdc76, 0xc5ae,
    0xd3f7, 0xca2f, 0xe047, 0xf99f, 0xb497, 0xad4f, 0x8727, 0x9eff, 0x1d37, 0x04ef, 0x2e87, 0x375f, 0x7a57, 0x638f, 0x49e7, 0x503f,
    0x6555, 0x7c8d, 0x56e5, 0x4f3d, 0x0235, 0x1bed, 0x3185, 0x285d, 0xab95, 0xb24d, 0x9825, 0x81fd, 0xccf5, 0xd52d, 0xff45, 0xe69d,
    0xf0c4, 0xe91c, 0xc374, 0xdaac, 0x97a4, 0x8e7c, 0xa414, 0xbdcc, 0x3e04, 0x27dc, 0x0db4, 0x146c, 0x5964, 0x40bc, 0x6ad4, 0x730c,
    0x8ccc, 0x9514, 0xbf7c, 0xa6a4, 0xebac, 0xf274, 0xd81c, 0xc1c4, 0x420c, 0x5bd4, 0x71bc, 0x6864, 0x256c, 0x3cb4, 0x16dc, 0x0f04,
    0x195d, 0x0085, 0x2aed, 0x3335, 0x7e3d, 0x67e5, 0x4d8d, 0x5455, 0xd79d, 0xce45, 0xe42d, 0xfdf5, 0xb0fd, 0xa925, 0x834d, 0x9a95,
    0xafff, 0xb627, 0x9c4f, 0x8597, 0xc89f, 0xd147, 0xfb2f, 0xe2f7, 0x613f, 0x78e7, 0x528f, 0x4b57, 0x065f, 0x1f87, 0x35ef, 0x2c37,
    0x3a6e, 0x23b6, 0x09de, 0x1006, 0x5d0e, 0x44d6, 0x6ebe, 0x7766, 0xf4ae, 0xed76, 0xc71e, 0xdec6, 0x93ce, 0x8a16, 0xa07e, 0xb9a6,
    0xcaaa, 0xd372, 0xf91a, 0xe0c2, 0xadca, 0xb412, 0x9e7a, 0x87a2, 0x046a, 0x1db2, 0x37da, 0x2e02, 0x630a, 0x7ad2, 0x50ba, 0x4962,
    0x5f3b, 0x46e3, 0x6c8b, 0x7553, 0x385b, 0x2183, 0x0beb, 0x1233, 0x91fb, 0x8823, 0xa24b, 0xbb93, 0xf69b, 0xef43, 0xc52b, 0xdcf3,
    0xe999, 0xf041, 0xda29, 0xc3f1, 0x8ef9, 0x9721, 0xbd49, 0xa491, 0x2759, 0x3e81, 0x14e9, 0x0d31, 0x4039, 0x59e1, 0x7389, 0x6a51,
    0x7c08, 0x65d0, 0x4fb8, 0x5660, 0x1b68, 0x02b0, 0x28d8, 0x3100, 0xb2c8, 0xab10, 0x8178, 0x98a0, 0xd5a8, 0xcc70, 0xe618, 0xffc0,
  },
  {
    0x0000, 0x5adc, 0xb5b8, 0xef64, 0x6361, 0x39bd, 0xd6d9, 0x8c05, 0xc6c2, 0x9c1e, 0x737a, 0x29a6, 0xa5a3, 0xff7f, 0x101b, 0x4ac7,
    0x8595, 0xdf49, 0x302d, 0x6af1, 0xe6f4, 0xbc28, 0x534c, 0x0990, 0x4357, 0x198b, 0xf6ef, 0xac33, 0x2036, 0x7aea, 0x958e, 0xcf52,
    0x033b, 0x59e7, 0xb683, 0xec5f, 0x605a, 0x3a86, 0xd5e2, 0x8f3e, 0xc5f9, 0x9f25, 0x7041, 0x2a9d, 0xa698, 0xfc44, 0x1320, 0x49fc,
    0x86ae, 0xdc72, 0x3316, 0x69ca, 0xe5cf, 0xbf13, 0x5077, 0x0aab, 0x406c, 0x1ab0, 0xf5d4, 0xaf08, 0x230d, 0x79d1, 0x96b5, 0xcc69,
    0x0676, 0x5caa, 0xb3ce, 0xe912, 0x6517, 0x3fcb, 0xd0af, 0x8a73, 0xc0b4, 0x9a68, 0x750c, 0x2fd0, 0xa3d5, 0xf909, 0x166d, 0x4cb1,
    0x83e3, 0xd93f, 0x365b, 0x6c87, 0xe082, 0xba5e, 0x553a, 0x0fe6, 0x4521, 0x1ffd, 0xf099, 0xaa45, 0x2640, 0x7c9c, 0x93f8, 0xc924,
    0x054d, 0x5f91, 0xb0f5, 0xea29, 0x662c, 0x3cf0, 0xd394, 0x8948, 0xc38f, 0x9953, 0x7637, 0x2ceb, 0xa0ee, 0xfa32, 0x1556, 0x4f8a,
    0x80d8, 0xda04, 0x3560, 0x6fbc, 0xe3b9, 0xb965, 0x5601, 0x0cdd, 0x461a, 0x1cc6, 0xf3a2, 0xa97e, 0x257b, 0x7fa7, 0x90c3, 0xca1f,
    0x0cec, 0x5630, 0xb954, 0xe388, 0x6f8d, 0x3551, 0xda35, 0x80e9, 0xca2e, 0x90f2, 0x7f96, 0x254a, 0xa94f, 0xf393, 0x1cf7, 0x462b,
    0x8979, 0xd3a5, 0x3cc1, 0x661d, 0xea18, 0xb0c4, 0x5fa0, 0x057c, 0x4fbb, 0x1567, 0xfa03, 0xa0df, 0x2cda, 0x7606, 0x9962, 0xc3be,
    0x0fd7, 0x550b, 0xba6f, 0xe0b3, 0x6cb6, 0x366a, 0xd90e, 0x83d2, 0xc915, 0x93c9, 0x7cad, 0x2671, 0xaa74, 0xf0a8, 0x1fcc, 0x4510,
    0x8a42, 0xd09e, 0x3ffa, 0x6526, 0xe923, 0xb3ff, 0x5c9b, 0x0647, 0x4c80, 0x165c, 0xf938, 0xa3e4, 0x2fe1, 0x753d, 0x9a59, 0xc085,
    0x0a9a, 0x5046, 0xbf22, 0xe5fe, 0x69fb, 0x3327, 0xdc43, 0x869f, 0xcc58, 0x9684, 0x79e0, 0x233c, 0xaf39, 0xf5e5, 0x1a81, 0x405d,
    0x8f0f, 0xd5d3, 0x3ab7, 0x606b, 0xec6e, 0xb6b2, 0x59d6, 0x030a, 0x49cd, 0x1311, 0xfc75, 0xa6a9, 0x2aac, 0x7070, 0x9f14, 0xc5c8,
    0x09a1, 0x537d, 0xbc19, 0xe6c5, 0x6ac0, 0x301c, 0xdf78, 0x85a4, 0xcf63, 0x95bf, 0x7adb, 0x2007, 0xac02, 0xf6de, 0x19ba, 0x4366,
    0x8c34, 0xd6e8, 0x398c, 0x6350, 0xef55, 0xb589, 0x5aed, 0x0031, 0x4af6, 0x102a, 0xff4e, 0xa592, 0x2997, 0x734b, 0x9c2f, 0xc6f3,
  },
  {
    0x0000, 0x1cbb, 0x3976, 0x25cd, 0x72ec, 0x6e57, 0x4b9a, 0x5721, 0xe5d8, 0xf963, 0xdcae, 0xc015, 0x9734, 0x8b8f, 0xae42, 0xb2f9,
    0xc3a1, 0xdf1a, 0xfad7, 0xe66c, 0xb14d, 0xadf6, 0x883b, 0x9480, 0x2679, 0x3ac2, 0x1f0f, 0x03b4, 0x5495, 0x482e, 0x6de3, 0x7158,
    0x8f53, 0x93e8, 0xb625, 0xaa9e, 0xfdbf, 0xe104, 0xc4c9, 0xd872, 0x6a8b, 0x7630, 0x53fd, 0x4f46, 0x1867, 0x04dc, 0x2111, 0x3daa,
    0x4cf2, 0x5049, 0x7584, 0x693f, 0x3e1e, 0x22a5, 0x0768, 0x1bd3, 0xa92a, 0xb591, 0x905c, 0x8ce7, 0xdbc6, 0xc77d, 0xe2b0, 0xfe0b,
    0x16b7, 0x0a0c, 0x2fc1, 0x337a, 0x645b, 0x78e0, 0x5d2d, 0x4196, 0xf36f, 0xefd4, 0xca19, 0xd6a2, 0x8183, 0x9d38, 0xb8f5, 0xa44e,
    0xd516, 0xc9ad, 0xec60, 0xf0db, 0xa7fa, 0xbb41, 0x9e8c, 0x8237, 0x30ce, 0x2c75, 0x09b8, 0x1503, 0x4222, 0x5e99, 0x7b54, 0x67ef,
    0x99e4, 0x855f, 0xa092, 0xbc29, 0xeb08, 0xf7b3, 0xd27e, 0xcec5, 0x7c3c, 0x6087, 0x454a, 0x59f1, 0x0ed0, 0x126b, 0x37a6, 0x2b1d,
    0x5a45, 0x46fe, 0x6333, 0x7f88, 0x28a9, 0x3412, 0x11df, 0x0d64, 0xbf9d, 0xa326, 0x86eb, 0x9a50, 0xcd71, 0xd1ca, 0xf407, 0xe8bc,
    0x2d6e, 0x31d5, 0x1418, 0x08a3, 0x5f82, 0x4339, 0x66f4, 0x7a4f, 0xc8b6, 0xd40d, 0xf1c0, 0xed7b, 0xba5a, 0xa6e1, 0x832c, 0x9f97,
    0xeecf, 0xf274, 0xd7b9, 0xcb02, 0x9c23, 0x8098, 0xa555, 0xb9ee, 0x0b17, 0x17ac, 0x3261, 0x2eda, 0x79fb, 0x6540, 0x408d, 0x5c36,
    0xa23d, 0xbe86, 0x9b4b, 0x87f0, 0xd0d1, 0xcc6a, 0xe9a7, 0xf51c, 0x47e5, 0x5b5e, 0x7e93, 0x6228, 0x3509, 0x29b2, 0x0c7f, 0x10c4,
    0x619c, 0x7d27, 0x58ea, 0x4451, 0x1370, 0x0fcb, 0x2a06, 0x36bd, 0x8444, 0x98ff, 0xbd32, 0xa189, 0xf6a8, 0xea13, 0xcfde, 0xd365,
    0x3bd9, 0x2762, 0x02af, 0x1e14, 0x4935, 0x558e, 0x7043, 0x6cf8, 0xde01, 0xc2ba, 0xe777, 0xfbcc, 0xaced, 0xb056, 0x959b, 0x8920,
    0xf878, 0xe4c3, 0xc10e, 0xddb5, 0x8a94, 0x962f, 0xb3e2, 0xaf59, 0x1da0, 0x011b, 0x24d6, 0x386d, 0x6f4c, 0x73f7, 0x563a, 0x4a81,
    0xb48a, 0xa831, 0x8dfc, 0x9147, 0xc666, 0xdadd, 0xff10, 0xe3ab, 0x5152, 0x4de9, 0x6824, 0x749f, 0x23be, 0x3f05, 0x1ac8, 0x0673,
    0x772b, 0x6b90, 0x4e5d, 0x52e6, 0x05c7, 0x197c, 0x3cb1, 0x200a, 0x92f3, 0x8e48, 0xab85, 0xb73e, 0xe01f, 0xfca4, 0xd969, 0xc5d2,
  },
  {
    0x0000, 0x0b44, 0x1688, 0x1dcc, 0x2d10, 0x2654, 0x3b98, 0x30dc, 0x5a20, 0x5164, 0x4ca8, 0x47ec, 0x7730, 0x7c74, 0x61b8, 0x6afc,
    0xb440, 0xbf04, 0xa2c8, 0xa98c, 0x9950, 0x9214, 0x8fd8, 0x849c, 0xee60, 0xe524, 0xf8e8, 0xf3ac, 0xc370, 0xc834, 0xd5f8, 0xdebc,
    0x6091, 0x6bd5, 0x7619, 0x7d5d, 0x4d81, 0x46c5, 0x5b09, 0x504d, 0x3ab1, 0x31f5, 0x2c39, 0x277d, 0x17a1, 0x1ce5, 0x0129, 0x0a6d,
    0xd4d1, 0xdf95, 0xc259, 0xc91d, 0xf9c1, 0xf285, 0xef49, 0xe40d, 0x8ef1, 0x85b5, 0x9879, 0x933d, 0xa3e1, 0xa8a5, 0xb569, 0xbe2d,
    0xc122, 0xca66, 0xd7aa, 0xdcee, 0xec32, 0xe776, 0xfaba, 0xf1fe, 0x9b02, 0x9046, 0x8d8a, 0x86ce, 0xb612, 0xbd56, 0xa09a, 0xabde,
    0x7562, 0x7e26, 0x63ea, 0x68ae, 0x5872, 0x5336, 0x4efa, 0x45be, 0x2f42, 0x2406, 0x39ca, 0x328e, 0x0252, 0x0916, 0x14da, 0x1f9e,
    0xa1b3, 0xaaf7, 0xb73b, 0xbc7f, 0x8ca3, 0x87e7, 0x9a2b, 0x916f, 0xfb93, 0xf0d7, 0xed1b, 0xe65f, 0xd683, 0xddc7, 0xc00b, 0xcb4f,
    0x15f3, 0x1eb7, 0x037b, 0x083f, 0x38e3, 0x33a7, 0x2e6b, 0x252f, 0x4fd3, 0x4497, 0x595b, 0x521f, 0x62c3, 0x6987, 0x744b, 0x7f0f,
    0x8a55, 0x8111, 0x9cdd, 0x9799, 0xa745, 0xac01, 0xb1cd, 0xba89, 0xd075, 0xdb31, 0xc6fd, 0xcdb9, 0xfd65, 0xf621, 0xebed, 0xe0a9,
    0x3e15, 0x3551, 0x289d, 0x23d9, 0x1305, 0x1841, 0x058d, 0x0ec9, 0x6435, 0x6f71, 0x72bd, 0x79f9, 0x4925, 0x4261, 0x5fad, 0x54e9,
    0xeac4, 0xe180, 0xfc4c, 0xf708, 0xc7d4, 0xcc90, 0xd15c, 0xda18, 0xb0e4, 0xbba0, 0xa66c, 0xad28, 0x9df4, 0x96b0, 0x8b7c, 0x8038,
    0x5e84, 0x55c0, 0x480c, 0x4348, 0x7394, 0x78d0, 0x651c, 0x6e58, 0x04a4, 0x0fe0, 0x122c, 0x1968, 0x29b4, 0x22f0, 0x3f3c, 0x3478,
    0x4b77, 0x4033, 0x5dff, 0x56bb, 0x6667, 0x6d23, 0x70ef, 0x7bab, 0x1157, 0x1a13, 0x07df, 0x0c9b, 0x3c47, 0x3703, 0x2acf, 0x218b,
    0xff37, 0xf473, 0xe9bf, 0xe2fb, 0xd227, 0xd963, 0xc4af, 0xcfeb, 0xa517, 0xae53, 0xb39f, 0xb8db, 0x8807, 0x8343, 0x9e8f, 0x95cb,
    0x2be6, 0x20a2, 0x3d6e, 0x362a, 0x06f6, 0x0db2, 0x107e, 0x1b3a, 0x71c6, 0x7a82, 0x674e, 0x6c0a, 0x5cd6, 0x5792, 0x4a5e, 0x411a,
    0x9fa6, 0x94e2, 0x892e, 0x826a, 0xb2b6, 0xb9f2, 0xa43e, 0xaf7a, 0xc586, 0xcec2, 0xd30e, 0xd84a, 0xe896, 0xe3d2, 0xfe1e, 0xf55a,
  },
  {
    0x0000, 0x042b, 0x0856, 0x0c7d, 0x10ac, 0x1487, 0x18fa, 0x1cd1, 0x2158, 0x2573, 0x290e, 0x2d25, 0x31f4, 0x35df, 0x39a2, 0x3d89,
    0x42b0, 0x469b, 0x4ae6, 0x4ecd, 0x521c, 0x5637, 0x5a4a, 0x5e61, 0x63e8, 0x67c3, 0x6bbe, 0x6f95, 0x7344, 0x776f, 0x7b12, 0x7f39,
    0x8560, 0x814b, 0x8d36, 0x891d, 0x95cc, 0x91e7, 0x9d9a, 0x99b1, 0xa438, 0xa013, 0xac6e, 0xa845, 0xb494, 0xb0bf, 0xbcc2, 0xb8e9,
    0xc7d0, 0xc3fb, 0xcf86, 0xcbad, 0xd77c, 0xd357, 0xdf2a, 0xdb01, 0xe688, 0xe2a3, 0xeede, 0xeaf5, 0xf624, 0xf20f, 0xfe72, 0xfa59,
    0x02d1, 0x06fa, 0x0a87, 0x0eac, 0x127d, 0x1656, 0x1a2b, 0x1e00, 0x2389, 0x27a2, 0x2bdf, 0x2ff4, 0x3325, 0x370e, 0x3b73, 0x3f58,
    0x4061, 0x444a, 0x4837, 0x4c1c, 0x50cd, 0x54e6, 0x589b, 0x5cb0, 0x6139, 0x6512, 0x696f, 0x6d44, 0x7195, 0x75be, 0x79c3, 0x7de8,
    0x87b1, 0x839a, 0x8fe7, 0x8bcc, 0x971d, 0x9336, 0x9f4b, 0x9b60, 0xa6e9, 0xa2c2, 0xaebf, 0xaa94, 0xb645, 0xb26e, 0xbe13, 0xba38,
    0xc501, 0xc12a, 0xcd57, 0xc97c, 0xd5ad, 0xd186, 0xddfb, 0xd9d0, 0xe459, 0xe072, 0xec0f, 0xe824, 0xf4f5, 0xf0de, 0xfca3, 0xf888,
    0x05a2, 0x0189, 0x0df4, 0x09df, 0x150e, 0x1125, 0x1d58, 0x1973, 0x24fa, 0x20d1, 0x2cac, 0x2887, 0x3456, 0x307d, 0x3c00, 0x382b,
    0x4712, 0x4339, 0x4f44, 0x4b6f, 0x57be, 0x5395, 0x5fe8, 0x5bc3, 0x664a, 0x6261, 0x6e1c, 0x6a37, 0x76e6, 0x72cd, 0x7eb0, 0x7a9b,
    0x80c2, 0x84e9, 0x8894, 0x8cbf, 0x906e, 0x9445, 0x9838, 0x9c13, 0xa19a, 0xa5b1, 0xa9cc, 0xade7, 0xb136, 0xb51d, 0xb960, 0xbd4b,
    0xc272, 0xc659, 0xca24, 0xce0f, 0xd2de, 0xd6f5, 0xda88, 0xdea3, 0xe32a, 0xe701, 0xeb7c, 0xef57, 0xf386, 0xf7ad, 0xfbd0, 0xfffb,
    0x0773, 0x0358, 0x0f25, 0x0b0e, 0x17df, 0x13f4, 0x1f89, 0x1ba2, 0x262b, 0x2200, 0x2e7d, 0x2a56, 0x3687, 0x32ac, 0x3ed1, 0x3afa,
    0x45c3, 0x41e8, 0x4d95, 0x49be, 0x556f, 0x5144, 0x5d39, 0x5912, 0x649b, 0x60b0, 0x6ccd, 0x68e6, 0x7437, 0x701c, 0x7c61, 0x784a,
    0x8213, 0x8638, 0x8a45, 0x8e6e, 0x92bf, 0x9694, 0x9ae9, 0x9ec2, 0xa34b, 0xa760, 0xab1d, 0xaf36, 0xb3e7, 0xb7cc, 0xbbb1, 0xbf9a,
    0xc0a3, 0xc488, 0xc8f5, 0xccde, 0xd00f, 0xd424, 0xd859, 0xdc72, 0xe1fb, 0xe5d0, 0xe9ad, 0xed86, 0xf157, 0xf57c, 0xf901, 0xfd2a,
  },
  {
    0x0000, 0x9fd5, 0x37bb, 0xa86e, 0x6f76, 0xf0a3, 0x58cd, 0xc718, 0xdeec, 0x4139, 0xe957, 0x7682, 0xb19a, 0x2e4f, 0x8621, 0x19f4,
    0xb5c9, 0x2a1c, 0x8272, 0x1da7, 0xdabf, 0x456a, 0xed04, 0x72d1, 0x6b25, 0xf4f0, 0x5c9e, 0xc34b, 0x0453, 0x9b86, 0x33e8, 0xac3d,
    0x6383, 0xfc56, 0x5438, 0xcbed, 0x0cf5, 0x9320, 0x3b4e, 0xa49b, 0xbd6f, 0x22ba, 0x8ad4, 0x1501, 0xd219, 0x4dcc, 0xe5a2, 0x7a77,
    0xd64a, 0x499f, 0xe1f1, 0x7e24, 0xb93c, 0x26e9, 0x8e87, 0x1152, 0x08a6, 0x9773, 0x3f1d, 0xa0c8, 0x67d0, 0xf805, 0x506b, 0xcfbe,
    0xc706, 0x58d3, 0xf0bd, 0x6f68, 0xa870, 0x37a5, 0x9fcb, 0x001e, 0x19ea, 0x863f, 0x2e51, 0xb184, 0x769c, 0xe949, 0x4127, 0xdef2,
    0x72cf, 0xed1a, 0x4574, 0xdaa1, 0x1db9, 0x826c, 0x2a02, 0xb5d7, 0xac23, 0x33f6, 0x9b98, 0x044d, 0xc355, 0x5c80, 0xf4ee, 0x6b3b,
    0xa485, 0x3b50, 0x933e, 0x0ceb, 0xcbf3, 0x5426, 0xfc48, 0x639d, 0x7a69, 0xe5bc, 0x4dd2, 0xd207, 0x151f, 0x8aca, 0x22a4, 0xbd71,
    0x114c, 0x8e99, 0x26f7, 0xb922, 0x7e3a, 0xe1ef, 0x4981, 0xd654, 0xcfa0, 0x5075, 0xf81b, 0x67ce, 0xa0d6, 0x3f03, 0x976d, 0x08b8,
    0x861d, 0x19c8, 0xb1a6, 0x2e73, 0xe96b, 0x76be, 0xded0, 0x4105, 0x58f1, 0xc724, 0x6f4a, 0xf09f, 0x3787, 0xa852, 0x003c, 0x9fe9,
    0x33d4, 0xac01, 0x046f, 0x9bba, 0x5ca2, 0xc377, 0x6b19, 0xf4cc, 0xed38, 0x72ed, 0xda83, 0x4556, 0x824e, 0x1d9b, 0xb5f5, 0x2a20,
    0xe59e, 0x7a4b, 0xd225, 0x4df0, 0x8ae8, 0x153d, 0xbd53, 0x2286, 0x3b72, 0xa4a7, 0x0cc9, 0x931c, 0x5404, 0xcbd1, 0x63bf, 0xfc6a,
    0x5057, 0xcf82, 0x67ec, 0xf839, 0x3f21, 0xa0f4, 0x089a, 0x974f, 0x8ebb, 0x116e, 0xb900, 0x26d5, 0xe1cd, 0x7e18, 0xd676, 0x49a3,
    0x411b, 0xdece, 0x76a0, 0xe975, 0x2e6d, 0xb1b8, 0x19d6, 0x8603, 0x9ff7, 0x0022, 0xa84c, 0x3799, 0xf081, 0x6f54, 0xc73a, 0x58ef,
    0xf4d2, 0x6b07, 0xc369, 0x5cbc, 0x9ba4, 0x0471, 0xac1f, 0x33ca, 0x2a3e, 0xb5eb, 0x1d85, 0x8250, 0x4548, 0xda9d, 0x72f3, 0xed26,
    0x2298, 0xbd4d, 0x1523, 0x8af6, 0x4dee, 0xd23b, 0x7a55, 0xe580, 0xfc74, 0x63a1, 0xcbcf, 0x541a, 0x9302, 0x0cd7, 0xa4b9, 0x3b6c,
    0x9751, 0x0884, 0xa0ea, 0x3f3f, 0xf827, 0x67f2, 0xcf9c, 0x5049, 0x49bd, 0xd668, 0x7e06, 0xe1d3, 0x26cb, 0xb91e, 0x1170, 0x8ea5,
  },
  {
    0x0000, 0x81bf, 0x0b6f, 0x8ad0, 0x16de, 0x9761, 0x1db1, 0x9c0e, 0x2dbc, 0xac03, 0x26d3, 0xa76c, 0x3b62, 0xbadd, 0x300d, 0xb1b2,
    0x5b78, 0xdac7, 0x5017, 0xd1a8, 0x4da6, 0xcc19, 0x46c9, 0xc776, 0x76c4, 0xf77b, 0x7dab, 0xfc14, 0x601a, 0xe1a5, 0x6b75, 0xeaca,
    0xb6f0, 0x374f, 0xbd9f, 0x3c20, 0xa02e, 0x2191, 0xab41, 0x2afe, 0x9b4c, 0x1af3, 0x9023, 0x119c, 0x8d92, 0x0c2d, 0x86fd, 0x0742,
    0xed88, 0x6c37, 0xe6e7, 0x6758, 0xfb56, 0x7ae9, 0xf039, 0x7186, 0xc034, 0x418b, 0xcb5b, 0x4ae4, 0xd6ea, 0x5755, 0xdd85, 0x5c3a,
    0x65f1, 0xe44e, 0x6e9e, 0xef21, 0x732f, 0xf290, 0x7840, 0xf9ff, 0x484d, 0xc9f2, 0x4322, 0xc29d, 0x5e93, 0xdf2c, 0x55fc, 0xd443,
    0x3e89, 0xbf36, 0x35e6, 0xb459, 0x2857, 0xa9e8, 0x2338, 0xa287, 0x1335, 0x928a, 0x185a, 0x99e5, 0x05eb, 0x8454, 0x0e84, 0x8f3b,
    0xd301, 0x52be, 0xd86e, 0x59d1, 0xc5df, 0x4460, 0xceb0, 0x4f0f, 0xfebd, 0x7f02, 0xf5d2, 0x746d, 0xe863, 0x69dc, 0xe30c, 0x62b3,
    0x8879, 0x09c6, 0x8316, 0x02a9, 0x9ea7, 0x1f18, 0x95c8, 0x1477, 0xa5c5, 0x247a, 0xaeaa, 0x2f15, 0xb31b, 0x32a4, 0xb874, 0x39cb,
    0xcbe2, 0x4a5d, 0xc08d, 0x4132, 0xdd3c, 0x5c83, 0xd653, 0x57ec, 0xe65e, 0x67e1, 0xed31, 0x6c8e, 0xf080, 0x713f, 0xfbef, 0x7a50,
    0x909a, 0x1125, 0x9bf5, 0x1a4a, 0x8644, 0x07fb, 0x8d2b, 0x0c94, 0xbd26, 0x3c99, 0xb649, 0x37f6, 0xabf8, 0x2a47, 0xa097, 0x2128,
    0x7d12, 0xfcad, 0x767d, 0xf7c2, 0x6bcc, 0xea73, 0x60a3, 0xe11c, 0x50ae, 0xd111, 0x5bc1, 0xda7e, 0x4670, 0xc7cf, 0x4d1f, 0xcca0,
    0x266a, 0xa7d5, 0x2d05, 0xacba, 0x30b4, 0xb10b, 0x3bdb, 0xba64, 0x0bd6, 0x8a69, 0x00b9, 0x8106, 0x1d08, 0x9cb7, 0x1667, 0x97d8,
    0xae13, 0x2fac, 0xa57c, 0x24c3, 0xb8cd, 0x3972, 0xb3a2, 0x321d, 0x83af, 0x0210, 0x88c0, 0x097f, 0x9571, 0x14ce, 0x9e1e, 0x1fa1,
    0xf56b, 0x74d4, 0xfe04, 0x7fbb, 0xe3b5, 0x620a, 0xe8da, 0x6965, 0xd8d7, 0x5968, 0xd3b8, 0x5207, 0xce09, 0x4fb6, 0xc566, 0x44d9,
    0x18e3, 0x995c, 0x138c, 0x9233, 0x0e3d, 0x8f82, 0x0552, 0x84ed, 0x355f, 0xb4e0, 0x3e30, 0xbf8f, 0x2381, 0xa23e, 0x28ee, 0xa951,
    0x439b, 0xc224, 0x48f4, 0xc94b, 0x5545, 0xd4fa, 0x5e2a, 0xdf95, 0x6e27, 0xef98, 0x6548, 0xe4f7, 0x78f9, 0xf946, 0x7396, 0xf229,
  },
};

/* One step: 8 bytes (two little-endian u32 words lo, hi) into the CRC. */
static inline uint32_t mpst_crc16_step(uint32_t crc, uint32_t lo, uint32_t hi) {
  uint32_t x = crc ^ lo;
  return (uint32_t)mpst_crc16_tab[7][x & 0xFF] ^ mpst_crc16_tab[6][(x >> 8) & 0xFF] ^ mpst_crc16_tab[5][(x >> 16) & 0xFF] ^
         mpst_crc16_tab[4][x >> 24] ^ mpst_crc16_tab[3][hi & 0xFF] ^ mpst_crc16_tab[2][(hi >> 8) & 0xFF] ^
         mpst_crc16_tab[1][(hi >> 16) & 0xFF] ^ mpst_crc16_tab[0][hi >> 24];
}

/* Check over n 32-bit words (n even), with the check bits zeroed beforehand. */
static inline uint32_t mpst_check16(const uint32_t *w, size_t n) {
  uint32_t crc = MPST_CHECK_INIT;
  for (size_t i = 0; i + 1 < n; i += 2) crc = mpst_crc16_step(crc, w[i], w[i + 1]);
  return crc;
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

/* host_access (91): The host read (or wrote) the bytes [ptr, ptr+bytes) of a pinned CPU tensor's storage at `base` from Python (Tensor.tolist, item, numpy, float, ...): memory an asynchronous device-to-host copy may still be writing. */
typedef struct mpst_host_access {
  mpst_rec_header h;
  uint64_t ptr;
  uint64_t bytes;
  uint64_t base;
  uint32_t op; /* string id */
  uint8_t mode; /* enum mpst_access_mode */
  uint8_t _pad0[3];
} mpst_host_access;
#define MPST_WORDS_HOST_ACCESS 6
_Static_assert(sizeof(mpst_host_access) == 48, "host_access size");

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
static inline void mpst_emit_host_access_at(int64_t ts, uint32_t site, uint64_t ptr, uint64_t bytes, uint64_t base, uint32_t op, uint8_t mode) {
  mpst_host_access *r = (mpst_host_access *)mpst_record_begin(MPST_WORDS_HOST_ACCESS);
  if (!r) return;
  r->ptr = ptr;
  r->bytes = bytes;
  r->base = base;
  r->op = op;
  r->mode = mode;
  mpst_record_end(r, MPST_K_HOST_ACCESS, MPST_WORDS_HOST_ACCESS, site, ts);
}
#define mpst_emit_host_access(site, ptr, bytes, base, op, mode) \
  mpst_emit_host_access_at(mpst_now(), site, ptr, bytes, base, op, mode)
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
