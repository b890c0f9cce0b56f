"""Generated from instrumentation/schema/events.json by `npm run gen`. Do not edit."""

FORMAT_VERSION = (2, 0)
CONTAINER = {
  "fileMagic": "MPSTRACE",
  "fileHeaderBytes": 64,
  "chunkHeaderBytes": 32,
  "chunkMagic": 1262702669,
  "recordHeaderBytes": 16,
  "maxPayloadWords": 5,
  "maxRecordWords": 255,
  "minChunkBytes": 4096,
  "maxChunkBytes": 67108864,
  "endMagic": "MPSTDONE",
  "fileEndBytes": 32,
  "chunkEntryBytes": 8,
  "crc16PolyReflected": 33800,
  "crc16Init": 65535,
  "crcFromMajor": 2
}
# header name -> field name -> [byte offset, byte width]
HEADERS = {
  "file_header": {
    "magic": [
      0,
      8
    ],
    "version_major": [
      8,
      2
    ],
    "version_minor": [
      10,
      2
    ],
    "header_bytes": [
      12,
      4
    ],
    "chunk_bytes": [
      16,
      4
    ],
    "flags": [
      20,
      4
    ],
    "pid": [
      24,
      4
    ],
    "ppid": [
      28,
      4
    ],
    "backend": [
      32,
      1
    ],
    "clock": [
      33,
      1
    ],
    "reserved0": [
      34,
      2
    ],
    "reserved1": [
      36,
      4
    ],
    "t0_ns": [
      40,
      8
    ],
    "realtime_ns": [
      48,
      8
    ],
    "reserved2": [
      56,
      4
    ],
    "check": [
      60,
      4
    ]
  },
  "chunk_header": {
    "magic": [
      0,
      4
    ],
    "index": [
      4,
      4
    ],
    "tid": [
      8,
      8
    ],
    "thread_seq": [
      16,
      4
    ],
    "flags": [
      20,
      4
    ],
    "reserved": [
      24,
      4
    ],
    "check": [
      28,
      4
    ]
  },
  "chunk_entry": {
    "records": [
      0,
      4
    ],
    "used_bytes": [
      4,
      4
    ]
  },
  "file_end": {
    "magic": [
      0,
      8
    ],
    "chunks": [
      8,
      4
    ],
    "table_check": [
      12,
      4
    ],
    "records": [
      16,
      8
    ],
    "reserved": [
      24,
      4
    ],
    "check": [
      28,
      4
    ]
  }
}
# flag set -> bit name -> mask
FLAGS = {
  "file": {
    "synthetic": 1,
    "closed": 2
  },
  "process": {
    "synthetic": 1,
    "cupti_completions": 2,
    "driver_api_covered": 4,
    "driver_entries": 8,
    "cuda_driver_loaded": 16,
    "driver_checked": 32,
    "completions_sampled": 64
  }
}
ENUMS = {
  "backend": {
    "none": 0,
    "cuda": 1,
    "metal": 2,
    "synthetic": 3
  },
  "clock": {
    "monotonic": 1,
    "uptime_raw": 2,
    "synthetic": 3
  },
  "sync_scope": {
    "device": 1,
    "stream": 2,
    "event": 3,
    "copy": 4,
    "other": 5
  },
  "slot_source": {
    "annotation": 1,
    "inferred": 2,
    "api": 3
  },
  "copy_dir": {
    "h2h": 0,
    "h2d": 1,
    "d2h": 2,
    "d2d": 3,
    "default": 4
  },
  "mem_kind": {
    "device": 1,
    "host_pinned": 2,
    "device_async": 3,
    "managed": 4,
    "metal_buffer": 5,
    "other": 6,
    "torch_block": 7
  },
  "object_type": {
    "command_buffer": 1,
    "command_queue": 2,
    "shared_event": 3,
    "encoder": 4,
    "stream": 5,
    "event": 6,
    "graph": 7,
    "other": 8
  },
  "torch_level": {
    "off": 0,
    "api": 1,
    "full": 2
  },
  "end_reason": {
    "exit": 1,
    "signal": 2,
    "exec": 3,
    "abort": 4
  },
  "access_mode": {
    "read": 1,
    "write": 2,
    "read_write": 3
  },
  "event_value_op": {
    "signal": 1,
    "wait": 2,
    "notify": 3,
    "notify_fire": 4,
    "set": 5
  },
  "hook_state": {
    "hooked": 1,
    "missing": 2,
    "skipped": 3,
    "fallback": 4,
    "no_original": 5
  },
  "pause_part": {
    "hooks": 1,
    "completions": 2,
    "callbacks": 4,
    "flush": 8,
    "all": 15
  },
  "warning_code": {
    "fd_reopened": 1,
    "file_lost": 2,
    "grow_failed": 3,
    "mapping_fault": 4
  }
}
# kind name -> id
KIND = {
  "process_start": 1,
  "process_end": 2,
  "clock_calibration": 3,
  "fork": 4,
  "exec": 5,
  "thread_start": 6,
  "thread_exit": 7,
  "thread_name": 8,
  "string": 9,
  "callsite": 10,
  "records_lost": 11,
  "heartbeat": 12,
  "recorder_warning": 13,
  "stream_create": 20,
  "stream_destroy": 21,
  "slot_acquire": 22,
  "slot_release": 23,
  "slot_set_current": 24,
  "stream_query": 25,
  "event_create": 30,
  "event_destroy": 31,
  "event_record": 32,
  "event_wait": 33,
  "event_query": 34,
  "elapsed_begin": 35,
  "elapsed_end": 36,
  "submit": 40,
  "complete": 41,
  "cb_create": 42,
  "cb_commit": 43,
  "cb_dealloc": 44,
  "object_create": 45,
  "object_destroy": 46,
  "sync_begin": 50,
  "sync_end": 51,
  "intent_device_sync_begin": 60,
  "intent_device_sync_end": 61,
  "intent_record": 62,
  "intent_wait": 63,
  "range_push": 64,
  "range_pop": 65,
  "marker": 66,
  "buffer_access": 67,
  "memcpy": 70,
  "memset": 71,
  "alloc": 72,
  "free": 73,
  "api_sync_begin": 80,
  "api_sync_end": 81,
  "api_current_stream": 82,
  "api_elapsed": 83,
  "api_record_stream": 84,
  "tensor_access": 85,
  "host_access": 91,
  "api_layer": 86,
  "event_value": 87,
  "metal_hook": 88,
  "module": 89,
  "symbol": 90
}
# kind name -> field name -> [byte offset in the record, type]
KIND_FIELDS = {
  "process_start": {
    "pid": [
      16,
      "u32"
    ],
    "ppid": [
      20,
      "u32"
    ],
    "backend": [
      24,
      "u8"
    ],
    "clock": [
      25,
      "u8"
    ],
    "flags": [
      26,
      "u16"
    ],
    "recorder": [
      28,
      "str"
    ]
  },
  "process_end": {
    "status": [
      16,
      "i32"
    ],
    "reason": [
      20,
      "u32"
    ]
  },
  "clock_calibration": {
    "host_ns": [
      16,
      "i64"
    ],
    "gpu_ns": [
      24,
      "i64"
    ],
    "realtime_ns": [
      32,
      "i64"
    ]
  },
  "fork": {
    "child_pid": [
      16,
      "u32"
    ],
    "parent_pid": [
      20,
      "u32"
    ],
    "child_file": [
      24,
      "str"
    ]
  },
  "exec": {
    "path": [
      16,
      "str"
    ]
  },
  "thread_start": {
    "parent_tid": [
      16,
      "u64"
    ]
  },
  "thread_exit": {},
  "thread_name": {
    "name": [
      16,
      "str"
    ]
  },
  "string": {
    "str_id": [
      16,
      "u32"
    ],
    "len": [
      20,
      "u32"
    ]
  },
  "callsite": {
    "site_id": [
      16,
      "u32"
    ],
    "symbol": [
      20,
      "str"
    ],
    "module": [
      24,
      "str"
    ],
    "addr": [
      32,
      "u64"
    ],
    "offset": [
      40,
      "u64"
    ]
  },
  "records_lost": {
    "count": [
      16,
      "u64"
    ],
    "since_ts": [
      24,
      "i64"
    ],
    "lost_tid": [
      32,
      "u64"
    ]
  },
  "heartbeat": {
    "blocked_tid": [
      16,
      "u64"
    ],
    "since_ts": [
      24,
      "i64"
    ],
    "target": [
      32,
      "u64"
    ],
    "scope": [
      40,
      "u8"
    ],
    "api": [
      44,
      "str"
    ]
  },
  "recorder_warning": {
    "what": [
      16,
      "u32"
    ],
    "err": [
      20,
      "i32"
    ],
    "value": [
      24,
      "u64"
    ]
  },
  "stream_create": {
    "stream": [
      16,
      "u64"
    ],
    "flags": [
      24,
      "u32"
    ],
    "priority": [
      28,
      "i32"
    ]
  },
  "stream_destroy": {
    "stream": [
      16,
      "u64"
    ]
  },
  "slot_acquire": {
    "stream": [
      16,
      "u64"
    ],
    "slot": [
      24,
      "u32"
    ],
    "free_after": [
      28,
      "i32"
    ],
    "wait_ns": [
      32,
      "i64"
    ],
    "source": [
      40,
      "u8"
    ]
  },
  "slot_release": {
    "stream": [
      16,
      "u64"
    ],
    "slot": [
      24,
      "u32"
    ],
    "free_after": [
      28,
      "i32"
    ],
    "at_thread_exit": [
      32,
      "u8"
    ],
    "source": [
      33,
      "u8"
    ]
  },
  "slot_set_current": {
    "stream": [
      16,
      "u64"
    ],
    "slot": [
      24,
      "u32"
    ],
    "prev_slot": [
      28,
      "i32"
    ],
    "source": [
      32,
      "u8"
    ]
  },
  "stream_query": {
    "stream": [
      16,
      "u64"
    ],
    "result": [
      24,
      "i32"
    ]
  },
  "event_create": {
    "event": [
      16,
      "u64"
    ],
    "flags": [
      24,
      "u32"
    ],
    "timing": [
      28,
      "u8"
    ]
  },
  "event_destroy": {
    "event": [
      16,
      "u64"
    ]
  },
  "event_record": {
    "event": [
      16,
      "u64"
    ],
    "stream": [
      24,
      "u64"
    ]
  },
  "event_wait": {
    "event": [
      16,
      "u64"
    ],
    "stream": [
      24,
      "u64"
    ]
  },
  "event_query": {
    "event": [
      16,
      "u64"
    ],
    "result": [
      24,
      "i32"
    ]
  },
  "elapsed_begin": {
    "start_event": [
      16,
      "u64"
    ],
    "end_event": [
      24,
      "u64"
    ]
  },
  "elapsed_end": {
    "start_event": [
      16,
      "u64"
    ],
    "end_event": [
      24,
      "u64"
    ],
    "elapsed_ns": [
      32,
      "i64"
    ],
    "error": [
      40,
      "i32"
    ]
  },
  "submit": {
    "stream": [
      16,
      "u64"
    ],
    "name": [
      24,
      "str"
    ],
    "corr": [
      28,
      "u32"
    ]
  },
  "complete": {
    "corr": [
      16,
      "u32"
    ],
    "error": [
      20,
      "i32"
    ],
    "dur_ns": [
      24,
      "i64"
    ]
  },
  "cb_create": {
    "cb": [
      16,
      "u64"
    ],
    "stream": [
      24,
      "u64"
    ],
    "corr": [
      32,
      "u32"
    ]
  },
  "cb_commit": {
    "cb": [
      16,
      "u64"
    ],
    "stream": [
      24,
      "u64"
    ],
    "corr": [
      32,
      "u32"
    ],
    "and_continue": [
      36,
      "u8"
    ]
  },
  "cb_dealloc": {
    "cb": [
      16,
      "u64"
    ],
    "corr": [
      24,
      "u32"
    ]
  },
  "object_create": {
    "obj": [
      16,
      "u64"
    ],
    "owner": [
      24,
      "u64"
    ],
    "bytes": [
      32,
      "u64"
    ],
    "type": [
      40,
      "u8"
    ]
  },
  "object_destroy": {
    "obj": [
      16,
      "u64"
    ],
    "type": [
      24,
      "u8"
    ]
  },
  "sync_begin": {
    "target": [
      16,
      "u64"
    ],
    "scope": [
      24,
      "u8"
    ],
    "api": [
      28,
      "str"
    ]
  },
  "sync_end": {
    "target": [
      16,
      "u64"
    ],
    "scope": [
      24,
      "u8"
    ],
    "api": [
      28,
      "str"
    ],
    "result": [
      32,
      "i32"
    ]
  },
  "intent_device_sync_begin": {
    "name": [
      16,
      "str"
    ]
  },
  "intent_device_sync_end": {
    "name": [
      16,
      "str"
    ]
  },
  "intent_record": {
    "event": [
      16,
      "u64"
    ],
    "stream": [
      24,
      "u64"
    ]
  },
  "intent_wait": {
    "event": [
      16,
      "u64"
    ],
    "stream": [
      24,
      "u64"
    ]
  },
  "range_push": {
    "name": [
      16,
      "str"
    ]
  },
  "range_pop": {},
  "marker": {
    "name": [
      16,
      "str"
    ]
  },
  "buffer_access": {
    "ptr": [
      16,
      "u64"
    ],
    "bytes": [
      24,
      "u64"
    ],
    "stream": [
      32,
      "u64"
    ],
    "mode": [
      40,
      "u8"
    ]
  },
  "memcpy": {
    "dst": [
      16,
      "u64"
    ],
    "src": [
      24,
      "u64"
    ],
    "bytes": [
      32,
      "u64"
    ],
    "stream": [
      40,
      "u64"
    ],
    "corr": [
      48,
      "u32"
    ],
    "dir": [
      52,
      "u8"
    ],
    "is_async": [
      53,
      "u8"
    ]
  },
  "memset": {
    "dst": [
      16,
      "u64"
    ],
    "bytes": [
      24,
      "u64"
    ],
    "stream": [
      32,
      "u64"
    ],
    "corr": [
      40,
      "u32"
    ],
    "is_async": [
      44,
      "u8"
    ]
  },
  "alloc": {
    "ptr": [
      16,
      "u64"
    ],
    "bytes": [
      24,
      "u64"
    ],
    "stream": [
      32,
      "u64"
    ],
    "mem": [
      40,
      "u8"
    ]
  },
  "free": {
    "ptr": [
      16,
      "u64"
    ],
    "stream": [
      24,
      "u64"
    ],
    "mem": [
      32,
      "u8"
    ]
  },
  "api_sync_begin": {
    "target": [
      16,
      "u64"
    ],
    "scope": [
      24,
      "u8"
    ],
    "api": [
      28,
      "str"
    ]
  },
  "api_sync_end": {
    "target": [
      16,
      "u64"
    ],
    "scope": [
      24,
      "u8"
    ],
    "api": [
      28,
      "str"
    ],
    "result": [
      32,
      "i32"
    ]
  },
  "api_current_stream": {
    "stream": [
      16,
      "u64"
    ],
    "prev": [
      24,
      "u64"
    ],
    "device": [
      32,
      "i32"
    ]
  },
  "api_elapsed": {
    "start_event": [
      16,
      "u64"
    ],
    "end_event": [
      24,
      "u64"
    ],
    "elapsed_ns": [
      32,
      "i64"
    ],
    "start_timing": [
      40,
      "u8"
    ],
    "end_timing": [
      41,
      "u8"
    ],
    "raised": [
      42,
      "u8"
    ]
  },
  "api_record_stream": {
    "ptr": [
      16,
      "u64"
    ],
    "bytes": [
      24,
      "u64"
    ],
    "stream": [
      32,
      "u64"
    ]
  },
  "tensor_access": {
    "ptr": [
      16,
      "u64"
    ],
    "bytes": [
      24,
      "u64"
    ],
    "base": [
      32,
      "u64"
    ],
    "stream": [
      40,
      "u64"
    ],
    "op": [
      48,
      "str"
    ],
    "mode": [
      52,
      "u8"
    ]
  },
  "host_access": {
    "ptr": [
      16,
      "u64"
    ],
    "bytes": [
      24,
      "u64"
    ],
    "base": [
      32,
      "u64"
    ],
    "op": [
      40,
      "str"
    ],
    "mode": [
      44,
      "u8"
    ]
  },
  "api_layer": {
    "level": [
      16,
      "u8"
    ],
    "ok": [
      17,
      "u8"
    ],
    "message": [
      20,
      "str"
    ]
  },
  "event_value": {
    "event": [
      16,
      "u64"
    ],
    "value": [
      24,
      "u64"
    ],
    "stream": [
      32,
      "u64"
    ],
    "op": [
      40,
      "u8"
    ]
  },
  "metal_hook": {
    "cls": [
      16,
      "str"
    ],
    "sel": [
      20,
      "str"
    ],
    "role": [
      24,
      "str"
    ],
    "hits": [
      32,
      "u64"
    ],
    "state": [
      40,
      "u8"
    ],
    "at_exit": [
      41,
      "u8"
    ]
  },
  "module": {
    "module": [
      16,
      "str"
    ],
    "build_id": [
      20,
      "str"
    ],
    "base": [
      24,
      "u64"
    ]
  },
  "symbol": {
    "site_id": [
      16,
      "u32"
    ],
    "line": [
      20,
      "u32"
    ],
    "function": [
      24,
      "str"
    ],
    "file": [
      28,
      "str"
    ]
  }
}
# annotation entry point (mpstrace_impl_<name>) -> [return type, [parameter types]]
ANNOTATIONS = {
  "enabled": [
    "int",
    []
  ],
  "set_site": [
    "void",
    [
      "str",
      "str",
      "u64"
    ]
  ],
  "push_site": [
    "u32",
    [
      "str",
      "str",
      "u64"
    ]
  ],
  "pop_site": [
    "void",
    [
      "u32"
    ]
  ],
  "slot_acquire": [
    "void",
    [
      "u32",
      "u64",
      "i32",
      "i64"
    ]
  ],
  "slot_release": [
    "void",
    [
      "u32",
      "u64",
      "i32",
      "int"
    ]
  ],
  "slot_set_current": [
    "void",
    [
      "u32",
      "u64",
      "i32"
    ]
  ],
  "device_sync_begin": [
    "void",
    [
      "str"
    ]
  ],
  "device_sync_end": [
    "void",
    [
      "str"
    ]
  ],
  "intent_record": [
    "void",
    [
      "u64",
      "u64"
    ]
  ],
  "intent_wait": [
    "void",
    [
      "u64",
      "u64"
    ]
  ],
  "range_push": [
    "void",
    [
      "str"
    ]
  ],
  "range_pop": [
    "void",
    []
  ],
  "marker": [
    "void",
    [
      "str"
    ]
  ],
  "buffer_access": [
    "void",
    [
      "ptr",
      "u64",
      "u64",
      "int"
    ]
  ],
  "object_create": [
    "void",
    [
      "u64",
      "u64",
      "u64",
      "int"
    ]
  ],
  "object_destroy": [
    "void",
    [
      "u64",
      "int"
    ]
  ],
  "sync_begin": [
    "void",
    [
      "u64",
      "int",
      "str"
    ]
  ],
  "sync_end": [
    "void",
    [
      "u64",
      "int",
      "str",
      "i32"
    ]
  ],
  "event_query": [
    "void",
    [
      "u64",
      "i32"
    ]
  ],
  "elapsed_begin": [
    "void",
    [
      "u64",
      "u64"
    ]
  ],
  "elapsed_end": [
    "void",
    [
      "u64",
      "u64",
      "i64",
      "i32"
    ]
  ],
  "api_sync_begin": [
    "void",
    [
      "u64",
      "int",
      "str"
    ]
  ],
  "api_sync_end": [
    "void",
    [
      "u64",
      "int",
      "str",
      "i32"
    ]
  ],
  "api_current_stream": [
    "void",
    [
      "u64",
      "u64",
      "i32"
    ]
  ],
  "api_elapsed": [
    "void",
    [
      "u64",
      "u64",
      "i64",
      "int",
      "int",
      "int"
    ]
  ],
  "api_record_stream": [
    "void",
    [
      "u64",
      "u64",
      "u64"
    ]
  ],
  "tensor_access": [
    "void",
    [
      "u64",
      "u64",
      "u64",
      "u64",
      "str",
      "int"
    ]
  ],
  "host_access": [
    "void",
    [
      "u64",
      "u64",
      "u64",
      "str",
      "int"
    ]
  ],
  "api_layer": [
    "void",
    [
      "int",
      "int",
      "str"
    ]
  ],
  "alloc": [
    "void",
    [
      "u64",
      "u64",
      "u64",
      "int"
    ]
  ],
  "free": [
    "void",
    [
      "u64",
      "u64",
      "int"
    ]
  ],
  "pause": [
    "int",
    [
      "int"
    ]
  ]
}
