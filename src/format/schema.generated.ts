// Generated from instrumentation/schema/events.json by `npm run gen`. Do not edit.

export const FORMAT_VERSION = {"major":2,"minor":0} as const;
export const CONTAINER = {
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
} as const;

/** Header layouts: field name -> byte offset and width. */
export const FILE_HEADER = {"bytes":64,"fields":{"magic":{"offset":0,"bytes":8},"version_major":{"offset":8,"bytes":2},"version_minor":{"offset":10,"bytes":2},"header_bytes":{"offset":12,"bytes":4},"chunk_bytes":{"offset":16,"bytes":4},"flags":{"offset":20,"bytes":4},"pid":{"offset":24,"bytes":4},"ppid":{"offset":28,"bytes":4},"backend":{"offset":32,"bytes":1},"clock":{"offset":33,"bytes":1},"reserved0":{"offset":34,"bytes":2},"reserved1":{"offset":36,"bytes":4},"t0_ns":{"offset":40,"bytes":8},"realtime_ns":{"offset":48,"bytes":8},"reserved2":{"offset":56,"bytes":4},"check":{"offset":60,"bytes":4}}} as const;
export const CHUNK_HEADER = {"bytes":32,"fields":{"magic":{"offset":0,"bytes":4},"index":{"offset":4,"bytes":4},"tid":{"offset":8,"bytes":8},"thread_seq":{"offset":16,"bytes":4},"flags":{"offset":20,"bytes":4},"reserved":{"offset":24,"bytes":4},"check":{"offset":28,"bytes":4}}} as const;
export const CHUNK_ENTRY = {"bytes":8,"fields":{"records":{"offset":0,"bytes":4},"used_bytes":{"offset":4,"bytes":4}}} as const;
export const FILE_END = {"bytes":32,"fields":{"magic":{"offset":0,"bytes":8},"chunks":{"offset":8,"bytes":4},"table_check":{"offset":12,"bytes":4},"records":{"offset":16,"bytes":8},"reserved":{"offset":24,"bytes":4},"check":{"offset":28,"bytes":4}}} as const;

/** Flag sets: set -> bit name -> mask. */
export const FLAGS = {
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
} as const;

export interface FieldDef { name: string; type: string; enum?: string; unit?: string; offset: number; bytes: number; signed: boolean; word: number; shift: number }
export interface KindDef { id: number; name: string; group: string; words: number; variable: boolean; fields: FieldDef[] }

export const ENUMS: Record<string, Record<string, number>> = {
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
};

export const KINDS: KindDef[] = [
  {"id":1,"name":"process_start","group":"process","words":4,"variable":false,"fields":[{"name":"pid","type":"u32","unit":"id","offset":16,"bytes":4,"signed":false,"word":0,"shift":0},{"name":"ppid","type":"u32","unit":"id","offset":20,"bytes":4,"signed":false,"word":0,"shift":32},{"name":"backend","type":"u8","enum":"backend","offset":24,"bytes":1,"signed":false,"word":1,"shift":0},{"name":"clock","type":"u8","enum":"clock","offset":25,"bytes":1,"signed":false,"word":1,"shift":8},{"name":"flags","type":"u16","unit":"bits","offset":26,"bytes":2,"signed":false,"word":1,"shift":16},{"name":"recorder","type":"str","offset":28,"bytes":4,"signed":false,"word":1,"shift":32}]},
  {"id":2,"name":"process_end","group":"process","words":3,"variable":false,"fields":[{"name":"status","type":"i32","offset":16,"bytes":4,"signed":true,"word":0,"shift":0},{"name":"reason","type":"u32","enum":"end_reason","offset":20,"bytes":4,"signed":false,"word":0,"shift":32}]},
  {"id":3,"name":"clock_calibration","group":"process","words":5,"variable":false,"fields":[{"name":"host_ns","type":"i64","unit":"ns","offset":16,"bytes":8,"signed":true,"word":0,"shift":0},{"name":"gpu_ns","type":"i64","unit":"ns","offset":24,"bytes":8,"signed":true,"word":1,"shift":0},{"name":"realtime_ns","type":"i64","unit":"ns","offset":32,"bytes":8,"signed":true,"word":2,"shift":0}]},
  {"id":4,"name":"fork","group":"process","words":4,"variable":false,"fields":[{"name":"child_pid","type":"u32","unit":"id","offset":16,"bytes":4,"signed":false,"word":0,"shift":0},{"name":"parent_pid","type":"u32","unit":"id","offset":20,"bytes":4,"signed":false,"word":0,"shift":32},{"name":"child_file","type":"str","offset":24,"bytes":4,"signed":false,"word":1,"shift":0}]},
  {"id":5,"name":"exec","group":"process","words":3,"variable":false,"fields":[{"name":"path","type":"str","offset":16,"bytes":4,"signed":false,"word":0,"shift":0}]},
  {"id":6,"name":"thread_start","group":"thread","words":3,"variable":false,"fields":[{"name":"parent_tid","type":"u64","unit":"id","offset":16,"bytes":8,"signed":false,"word":0,"shift":0}]},
  {"id":7,"name":"thread_exit","group":"thread","words":2,"variable":false,"fields":[]},
  {"id":8,"name":"thread_name","group":"thread","words":3,"variable":false,"fields":[{"name":"name","type":"str","offset":16,"bytes":4,"signed":false,"word":0,"shift":0}]},
  {"id":9,"name":"string","group":"meta","words":3,"variable":true,"fields":[{"name":"str_id","type":"u32","unit":"id","offset":16,"bytes":4,"signed":false,"word":0,"shift":0},{"name":"len","type":"u32","unit":"bytes","offset":20,"bytes":4,"signed":false,"word":0,"shift":32}]},
  {"id":10,"name":"callsite","group":"meta","words":6,"variable":false,"fields":[{"name":"site_id","type":"u32","unit":"id","offset":16,"bytes":4,"signed":false,"word":0,"shift":0},{"name":"symbol","type":"str","offset":20,"bytes":4,"signed":false,"word":0,"shift":32},{"name":"module","type":"str","offset":24,"bytes":4,"signed":false,"word":1,"shift":0},{"name":"addr","type":"u64","unit":"address","offset":32,"bytes":8,"signed":false,"word":2,"shift":0},{"name":"offset","type":"u64","unit":"bytes","offset":40,"bytes":8,"signed":false,"word":3,"shift":0}]},
  {"id":11,"name":"records_lost","group":"meta","words":5,"variable":false,"fields":[{"name":"count","type":"u64","unit":"count","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"since_ts","type":"i64","unit":"ns","offset":24,"bytes":8,"signed":true,"word":1,"shift":0},{"name":"lost_tid","type":"u64","unit":"id","offset":32,"bytes":8,"signed":false,"word":2,"shift":0}]},
  {"id":12,"name":"heartbeat","group":"meta","words":6,"variable":false,"fields":[{"name":"blocked_tid","type":"u64","unit":"id","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"since_ts","type":"i64","unit":"ns","offset":24,"bytes":8,"signed":true,"word":1,"shift":0},{"name":"target","type":"u64","unit":"handle","offset":32,"bytes":8,"signed":false,"word":2,"shift":0},{"name":"scope","type":"u8","enum":"sync_scope","offset":40,"bytes":1,"signed":false,"word":3,"shift":0},{"name":"api","type":"str","offset":44,"bytes":4,"signed":false,"word":3,"shift":32}]},
  {"id":13,"name":"recorder_warning","group":"meta","words":4,"variable":false,"fields":[{"name":"what","type":"u32","enum":"warning_code","offset":16,"bytes":4,"signed":false,"word":0,"shift":0},{"name":"err","type":"i32","offset":20,"bytes":4,"signed":true,"word":0,"shift":32},{"name":"value","type":"u64","offset":24,"bytes":8,"signed":false,"word":1,"shift":0}]},
  {"id":20,"name":"stream_create","group":"stream","words":4,"variable":false,"fields":[{"name":"stream","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"flags","type":"u32","unit":"bits","offset":24,"bytes":4,"signed":false,"word":1,"shift":0},{"name":"priority","type":"i32","offset":28,"bytes":4,"signed":true,"word":1,"shift":32}]},
  {"id":21,"name":"stream_destroy","group":"stream","words":3,"variable":false,"fields":[{"name":"stream","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0}]},
  {"id":22,"name":"slot_acquire","group":"slot","words":6,"variable":false,"fields":[{"name":"stream","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"slot","type":"u32","unit":"id","offset":24,"bytes":4,"signed":false,"word":1,"shift":0},{"name":"free_after","type":"i32","unit":"count","offset":28,"bytes":4,"signed":true,"word":1,"shift":32},{"name":"wait_ns","type":"i64","unit":"ns","offset":32,"bytes":8,"signed":true,"word":2,"shift":0},{"name":"source","type":"u8","enum":"slot_source","offset":40,"bytes":1,"signed":false,"word":3,"shift":0}]},
  {"id":23,"name":"slot_release","group":"slot","words":5,"variable":false,"fields":[{"name":"stream","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"slot","type":"u32","unit":"id","offset":24,"bytes":4,"signed":false,"word":1,"shift":0},{"name":"free_after","type":"i32","unit":"count","offset":28,"bytes":4,"signed":true,"word":1,"shift":32},{"name":"at_thread_exit","type":"u8","unit":"bool","offset":32,"bytes":1,"signed":false,"word":2,"shift":0},{"name":"source","type":"u8","enum":"slot_source","offset":33,"bytes":1,"signed":false,"word":2,"shift":8}]},
  {"id":24,"name":"slot_set_current","group":"slot","words":5,"variable":false,"fields":[{"name":"stream","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"slot","type":"u32","unit":"id","offset":24,"bytes":4,"signed":false,"word":1,"shift":0},{"name":"prev_slot","type":"i32","unit":"id","offset":28,"bytes":4,"signed":true,"word":1,"shift":32},{"name":"source","type":"u8","enum":"slot_source","offset":32,"bytes":1,"signed":false,"word":2,"shift":0}]},
  {"id":25,"name":"stream_query","group":"stream","words":4,"variable":false,"fields":[{"name":"stream","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"result","type":"i32","offset":24,"bytes":4,"signed":true,"word":1,"shift":0}]},
  {"id":30,"name":"event_create","group":"event","words":4,"variable":false,"fields":[{"name":"event","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"flags","type":"u32","unit":"bits","offset":24,"bytes":4,"signed":false,"word":1,"shift":0},{"name":"timing","type":"u8","unit":"bool","offset":28,"bytes":1,"signed":false,"word":1,"shift":32}]},
  {"id":31,"name":"event_destroy","group":"event","words":3,"variable":false,"fields":[{"name":"event","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0}]},
  {"id":32,"name":"event_record","group":"event","words":4,"variable":false,"fields":[{"name":"event","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":24,"bytes":8,"signed":false,"word":1,"shift":0}]},
  {"id":33,"name":"event_wait","group":"event","words":4,"variable":false,"fields":[{"name":"event","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":24,"bytes":8,"signed":false,"word":1,"shift":0}]},
  {"id":34,"name":"event_query","group":"event","words":4,"variable":false,"fields":[{"name":"event","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"result","type":"i32","offset":24,"bytes":4,"signed":true,"word":1,"shift":0}]},
  {"id":35,"name":"elapsed_begin","group":"event","words":4,"variable":false,"fields":[{"name":"start_event","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"end_event","type":"u64","unit":"handle","offset":24,"bytes":8,"signed":false,"word":1,"shift":0}]},
  {"id":36,"name":"elapsed_end","group":"event","words":6,"variable":false,"fields":[{"name":"start_event","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"end_event","type":"u64","unit":"handle","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"elapsed_ns","type":"i64","unit":"ns","offset":32,"bytes":8,"signed":true,"word":2,"shift":0},{"name":"error","type":"i32","offset":40,"bytes":4,"signed":true,"word":3,"shift":0}]},
  {"id":40,"name":"submit","group":"gpu","words":4,"variable":false,"fields":[{"name":"stream","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"name","type":"str","offset":24,"bytes":4,"signed":false,"word":1,"shift":0},{"name":"corr","type":"u32","unit":"id","offset":28,"bytes":4,"signed":false,"word":1,"shift":32}]},
  {"id":41,"name":"complete","group":"gpu","words":4,"variable":false,"fields":[{"name":"corr","type":"u32","unit":"id","offset":16,"bytes":4,"signed":false,"word":0,"shift":0},{"name":"error","type":"i32","offset":20,"bytes":4,"signed":true,"word":0,"shift":32},{"name":"dur_ns","type":"i64","unit":"ns","offset":24,"bytes":8,"signed":true,"word":1,"shift":0}]},
  {"id":42,"name":"cb_create","group":"gpu","words":5,"variable":false,"fields":[{"name":"cb","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"corr","type":"u32","unit":"id","offset":32,"bytes":4,"signed":false,"word":2,"shift":0}]},
  {"id":43,"name":"cb_commit","group":"gpu","words":5,"variable":false,"fields":[{"name":"cb","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"corr","type":"u32","unit":"id","offset":32,"bytes":4,"signed":false,"word":2,"shift":0},{"name":"and_continue","type":"u8","unit":"bool","offset":36,"bytes":1,"signed":false,"word":2,"shift":32}]},
  {"id":44,"name":"cb_dealloc","group":"gpu","words":4,"variable":false,"fields":[{"name":"cb","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"corr","type":"u32","unit":"id","offset":24,"bytes":4,"signed":false,"word":1,"shift":0}]},
  {"id":45,"name":"object_create","group":"object","words":6,"variable":false,"fields":[{"name":"obj","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"owner","type":"u64","unit":"handle","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"bytes","type":"u64","unit":"bytes","offset":32,"bytes":8,"signed":false,"word":2,"shift":0},{"name":"type","type":"u8","enum":"object_type","offset":40,"bytes":1,"signed":false,"word":3,"shift":0}]},
  {"id":46,"name":"object_destroy","group":"object","words":4,"variable":false,"fields":[{"name":"obj","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"type","type":"u8","enum":"object_type","offset":24,"bytes":1,"signed":false,"word":1,"shift":0}]},
  {"id":50,"name":"sync_begin","group":"sync","words":4,"variable":false,"fields":[{"name":"target","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"scope","type":"u8","enum":"sync_scope","offset":24,"bytes":1,"signed":false,"word":1,"shift":0},{"name":"api","type":"str","offset":28,"bytes":4,"signed":false,"word":1,"shift":32}]},
  {"id":51,"name":"sync_end","group":"sync","words":5,"variable":false,"fields":[{"name":"target","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"scope","type":"u8","enum":"sync_scope","offset":24,"bytes":1,"signed":false,"word":1,"shift":0},{"name":"api","type":"str","offset":28,"bytes":4,"signed":false,"word":1,"shift":32},{"name":"result","type":"i32","offset":32,"bytes":4,"signed":true,"word":2,"shift":0}]},
  {"id":60,"name":"intent_device_sync_begin","group":"intent","words":3,"variable":false,"fields":[{"name":"name","type":"str","offset":16,"bytes":4,"signed":false,"word":0,"shift":0}]},
  {"id":61,"name":"intent_device_sync_end","group":"intent","words":3,"variable":false,"fields":[{"name":"name","type":"str","offset":16,"bytes":4,"signed":false,"word":0,"shift":0}]},
  {"id":62,"name":"intent_record","group":"intent","words":4,"variable":false,"fields":[{"name":"event","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":24,"bytes":8,"signed":false,"word":1,"shift":0}]},
  {"id":63,"name":"intent_wait","group":"intent","words":4,"variable":false,"fields":[{"name":"event","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":24,"bytes":8,"signed":false,"word":1,"shift":0}]},
  {"id":64,"name":"range_push","group":"intent","words":3,"variable":false,"fields":[{"name":"name","type":"str","offset":16,"bytes":4,"signed":false,"word":0,"shift":0}]},
  {"id":65,"name":"range_pop","group":"intent","words":2,"variable":false,"fields":[]},
  {"id":66,"name":"marker","group":"intent","words":3,"variable":false,"fields":[{"name":"name","type":"str","offset":16,"bytes":4,"signed":false,"word":0,"shift":0}]},
  {"id":67,"name":"buffer_access","group":"intent","words":6,"variable":false,"fields":[{"name":"ptr","type":"u64","unit":"address","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"bytes","type":"u64","unit":"bytes","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":32,"bytes":8,"signed":false,"word":2,"shift":0},{"name":"mode","type":"u8","enum":"access_mode","offset":40,"bytes":1,"signed":false,"word":3,"shift":0}]},
  {"id":70,"name":"memcpy","group":"memory","words":7,"variable":false,"fields":[{"name":"dst","type":"u64","unit":"address","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"src","type":"u64","unit":"address","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"bytes","type":"u64","unit":"bytes","offset":32,"bytes":8,"signed":false,"word":2,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":40,"bytes":8,"signed":false,"word":3,"shift":0},{"name":"corr","type":"u32","unit":"id","offset":48,"bytes":4,"signed":false,"word":4,"shift":0},{"name":"dir","type":"u8","enum":"copy_dir","offset":52,"bytes":1,"signed":false,"word":4,"shift":32},{"name":"is_async","type":"u8","unit":"bool","offset":53,"bytes":1,"signed":false,"word":4,"shift":40}]},
  {"id":71,"name":"memset","group":"memory","words":6,"variable":false,"fields":[{"name":"dst","type":"u64","unit":"address","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"bytes","type":"u64","unit":"bytes","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":32,"bytes":8,"signed":false,"word":2,"shift":0},{"name":"corr","type":"u32","unit":"id","offset":40,"bytes":4,"signed":false,"word":3,"shift":0},{"name":"is_async","type":"u8","unit":"bool","offset":44,"bytes":1,"signed":false,"word":3,"shift":32}]},
  {"id":72,"name":"alloc","group":"memory","words":6,"variable":false,"fields":[{"name":"ptr","type":"u64","unit":"address","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"bytes","type":"u64","unit":"bytes","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":32,"bytes":8,"signed":false,"word":2,"shift":0},{"name":"mem","type":"u8","enum":"mem_kind","offset":40,"bytes":1,"signed":false,"word":3,"shift":0}]},
  {"id":73,"name":"free","group":"memory","words":5,"variable":false,"fields":[{"name":"ptr","type":"u64","unit":"address","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"mem","type":"u8","enum":"mem_kind","offset":32,"bytes":1,"signed":false,"word":2,"shift":0}]},
  {"id":80,"name":"api_sync_begin","group":"torch","words":4,"variable":false,"fields":[{"name":"target","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"scope","type":"u8","enum":"sync_scope","offset":24,"bytes":1,"signed":false,"word":1,"shift":0},{"name":"api","type":"str","offset":28,"bytes":4,"signed":false,"word":1,"shift":32}]},
  {"id":81,"name":"api_sync_end","group":"torch","words":5,"variable":false,"fields":[{"name":"target","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"scope","type":"u8","enum":"sync_scope","offset":24,"bytes":1,"signed":false,"word":1,"shift":0},{"name":"api","type":"str","offset":28,"bytes":4,"signed":false,"word":1,"shift":32},{"name":"result","type":"i32","offset":32,"bytes":4,"signed":true,"word":2,"shift":0}]},
  {"id":82,"name":"api_current_stream","group":"torch","words":5,"variable":false,"fields":[{"name":"stream","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"prev","type":"u64","unit":"handle","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"device","type":"i32","unit":"id","offset":32,"bytes":4,"signed":true,"word":2,"shift":0}]},
  {"id":83,"name":"api_elapsed","group":"torch","words":6,"variable":false,"fields":[{"name":"start_event","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"end_event","type":"u64","unit":"handle","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"elapsed_ns","type":"i64","unit":"ns","offset":32,"bytes":8,"signed":true,"word":2,"shift":0},{"name":"start_timing","type":"u8","unit":"bool","offset":40,"bytes":1,"signed":false,"word":3,"shift":0},{"name":"end_timing","type":"u8","unit":"bool","offset":41,"bytes":1,"signed":false,"word":3,"shift":8},{"name":"raised","type":"u8","unit":"bool","offset":42,"bytes":1,"signed":false,"word":3,"shift":16}]},
  {"id":84,"name":"api_record_stream","group":"torch","words":5,"variable":false,"fields":[{"name":"ptr","type":"u64","unit":"address","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"bytes","type":"u64","unit":"bytes","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":32,"bytes":8,"signed":false,"word":2,"shift":0}]},
  {"id":85,"name":"tensor_access","group":"torch","words":7,"variable":false,"fields":[{"name":"ptr","type":"u64","unit":"address","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"bytes","type":"u64","unit":"bytes","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"base","type":"u64","unit":"address","offset":32,"bytes":8,"signed":false,"word":2,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":40,"bytes":8,"signed":false,"word":3,"shift":0},{"name":"op","type":"str","offset":48,"bytes":4,"signed":false,"word":4,"shift":0},{"name":"mode","type":"u8","enum":"access_mode","offset":52,"bytes":1,"signed":false,"word":4,"shift":32}]},
  {"id":91,"name":"host_access","group":"torch","words":6,"variable":false,"fields":[{"name":"ptr","type":"u64","unit":"address","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"bytes","type":"u64","unit":"bytes","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"base","type":"u64","unit":"address","offset":32,"bytes":8,"signed":false,"word":2,"shift":0},{"name":"op","type":"str","offset":40,"bytes":4,"signed":false,"word":3,"shift":0},{"name":"mode","type":"u8","enum":"access_mode","offset":44,"bytes":1,"signed":false,"word":3,"shift":32}]},
  {"id":86,"name":"api_layer","group":"torch","words":3,"variable":false,"fields":[{"name":"level","type":"u8","enum":"torch_level","offset":16,"bytes":1,"signed":false,"word":0,"shift":0},{"name":"ok","type":"u8","unit":"bool","offset":17,"bytes":1,"signed":false,"word":0,"shift":8},{"name":"message","type":"str","offset":20,"bytes":4,"signed":false,"word":0,"shift":32}]},
  {"id":87,"name":"event_value","group":"event","words":6,"variable":false,"fields":[{"name":"event","type":"u64","unit":"handle","offset":16,"bytes":8,"signed":false,"word":0,"shift":0},{"name":"value","type":"u64","offset":24,"bytes":8,"signed":false,"word":1,"shift":0},{"name":"stream","type":"u64","unit":"handle","offset":32,"bytes":8,"signed":false,"word":2,"shift":0},{"name":"op","type":"u8","enum":"event_value_op","offset":40,"bytes":1,"signed":false,"word":3,"shift":0}]},
  {"id":88,"name":"metal_hook","group":"meta","words":6,"variable":false,"fields":[{"name":"cls","type":"str","offset":16,"bytes":4,"signed":false,"word":0,"shift":0},{"name":"sel","type":"str","offset":20,"bytes":4,"signed":false,"word":0,"shift":32},{"name":"role","type":"str","offset":24,"bytes":4,"signed":false,"word":1,"shift":0},{"name":"hits","type":"u64","offset":32,"bytes":8,"signed":false,"word":2,"shift":0},{"name":"state","type":"u8","enum":"hook_state","offset":40,"bytes":1,"signed":false,"word":3,"shift":0},{"name":"at_exit","type":"u8","unit":"bool","offset":41,"bytes":1,"signed":false,"word":3,"shift":8}]},
  {"id":89,"name":"module","group":"meta","words":4,"variable":false,"fields":[{"name":"module","type":"str","offset":16,"bytes":4,"signed":false,"word":0,"shift":0},{"name":"build_id","type":"str","offset":20,"bytes":4,"signed":false,"word":0,"shift":32},{"name":"base","type":"u64","unit":"address","offset":24,"bytes":8,"signed":false,"word":1,"shift":0}]},
  {"id":90,"name":"symbol","group":"meta","words":4,"variable":false,"fields":[{"name":"site_id","type":"u32","unit":"id","offset":16,"bytes":4,"signed":false,"word":0,"shift":0},{"name":"line","type":"u32","offset":20,"bytes":4,"signed":false,"word":0,"shift":32},{"name":"function","type":"str","offset":24,"bytes":4,"signed":false,"word":1,"shift":0},{"name":"file","type":"str","offset":28,"bytes":4,"signed":false,"word":1,"shift":32}]},
];

export const KIND = {
  process_start: 1,
  process_end: 2,
  clock_calibration: 3,
  fork: 4,
  exec: 5,
  thread_start: 6,
  thread_exit: 7,
  thread_name: 8,
  string: 9,
  callsite: 10,
  records_lost: 11,
  heartbeat: 12,
  recorder_warning: 13,
  stream_create: 20,
  stream_destroy: 21,
  slot_acquire: 22,
  slot_release: 23,
  slot_set_current: 24,
  stream_query: 25,
  event_create: 30,
  event_destroy: 31,
  event_record: 32,
  event_wait: 33,
  event_query: 34,
  elapsed_begin: 35,
  elapsed_end: 36,
  submit: 40,
  complete: 41,
  cb_create: 42,
  cb_commit: 43,
  cb_dealloc: 44,
  object_create: 45,
  object_destroy: 46,
  sync_begin: 50,
  sync_end: 51,
  intent_device_sync_begin: 60,
  intent_device_sync_end: 61,
  intent_record: 62,
  intent_wait: 63,
  range_push: 64,
  range_pop: 65,
  marker: 66,
  buffer_access: 67,
  memcpy: 70,
  memset: 71,
  alloc: 72,
  free: 73,
  api_sync_begin: 80,
  api_sync_end: 81,
  api_current_stream: 82,
  api_elapsed: 83,
  api_record_stream: 84,
  tensor_access: 85,
  host_access: 91,
  api_layer: 86,
  event_value: 87,
  metal_hook: 88,
  module: 89,
  symbol: 90,
} as const;
