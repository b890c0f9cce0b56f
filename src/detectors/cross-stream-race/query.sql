-- cross-stream-race: the records the streaming pass (pass.ts) reads, in the
-- order the program made them (ts, then record id; a memcpy gives a read row
-- and a write row). All numeric, so the pass reads plain numbers (ts, the
-- window key, is not read by the pass):
--   op      what the row is (codes in pass.ts, OP_*)
--   stream  the stream it is enqueued on / waits / is about
--   obj     event handle (record, wait, query, create, destroy) or sync target
--   ptr, bytes, base   byte range touched (base: storage base, 0 when unknown)
--   mode    1 read, 2 write, 3 read+write; for sync rows the scope code
--   name    string id of the op name (tensor_access), 0 otherwise
--   res     result code (sync_end, queries), mem kind code (alloc/free)
WITH
_torch_blocks AS (SELECT count(*) > 0 AS present FROM ev_alloc WHERE mem = 'torch_block'),
_rows AS (
  SELECT id, ts, tid, site, 1 AS op, 0 AS sub, stream, 0 AS obj, ptr, bytes, base,
         CASE mode WHEN 'read' THEN 1 WHEN 'write' THEN 2 ELSE 3 END AS mode, op_id AS name, 0 AS res
  FROM ev_tensor_access
  -- Tensor.record_stream goes through the dispatcher with `self` marked
  -- written, but launches nothing (layers before the fix recorded it)
  WHERE op IS NULL OR op NOT LIKE 'record_stream%'
  UNION ALL
  SELECT id, ts, tid, site, 2, 0, stream, 0, ptr, bytes, 0,
         CASE mode WHEN 'read' THEN 1 WHEN 'write' THEN 2 ELSE 3 END, 0, 0
  FROM ev_buffer_access
  -- copies: the device-side ends, and the host end an asynchronous
  -- device-to-host copy writes (host reads of it are host_access rows)
  UNION ALL
  SELECT id, ts, tid, site, 3, 0, stream, 0, src, bytes, 0, 1, 0, is_async FROM ev_memcpy WHERE dir IN ('d2h', 'd2d', 'default')
  UNION ALL
  SELECT id, ts, tid, site, 3, 1, stream, 0, dst, bytes, 0, 2, 0, is_async FROM ev_memcpy
  WHERE dir IN ('h2d', 'd2d', 'default') OR (dir = 'd2h' AND is_async = 1)
  -- a synchronous copy returns when it is done: the host knows its stream's work so far
  UNION ALL
  SELECT id, ts, tid, site, 5, 2, stream, 0, 0, 0, 0, 0, 0, 0 FROM ev_memcpy WHERE is_async = 0
  UNION ALL
  SELECT id, ts, tid, site, 4, 0, stream, 0, dst, bytes, 0, 2, 0, is_async FROM ev_memset
  UNION ALL
  SELECT id, ts, tid, site, 5, 1, stream, 0, 0, 0, 0, 0, 0, 0 FROM ev_memset WHERE is_async = 0
  UNION ALL
  SELECT id, ts, tid, site, 10, 0, stream, event, 0, 0, 0, 0, 0, 0 FROM ev_event_record
  UNION ALL
  SELECT id, ts, tid, site, 11, 0, stream, event, 0, 0, 0, 0, 0, 0 FROM ev_event_wait
  UNION ALL
  SELECT id, ts, tid, site, 12, 0, 0, event, 0, 0, 0, 0, 0, 0 FROM ev_event_create
  UNION ALL
  SELECT id, ts, tid, site, 13, 0, 0, event, 0, 0, 0, 0, 0, 0 FROM ev_event_destroy
  UNION ALL
  SELECT id, ts, tid, site, 14, 0, 0, event, 0, 0, 0, 0, 0, result FROM ev_event_query WHERE result = 0
  UNION ALL
  SELECT id, ts, tid, site, 15, 0, stream, 0, 0, 0, 0, 0, 0, result FROM ev_stream_query WHERE result = 0
  UNION ALL
  SELECT id, ts, tid, site, 16, 0, target, target, 0, 0, 0,
         CASE scope WHEN 'device' THEN 1 WHEN 'stream' THEN 2 WHEN 'event' THEN 3 ELSE 0 END, 0, 0
  FROM ev_sync_begin
  UNION ALL
  SELECT id, ts, tid, site, 17, 0, target, target, 0, 0, 0,
         CASE scope WHEN 'device' THEN 1 WHEN 'stream' THEN 2 WHEN 'event' THEN 3 ELSE 0 END, 0, result
  FROM ev_sync_end
  UNION ALL
  SELECT id, ts, tid, site, 18, 0, stream, 0, 0, 0, 0, 0, 0, 0 FROM ev_stream_create
  -- storage lifetimes: the torch layer's caching-allocator blocks when the
  -- trace has them (backend allocations would be their enclosing segments),
  -- else the backend's own allocations
  UNION ALL
  SELECT id, ts, tid, site, 19, 0, stream, 0, ptr, bytes, ptr, 0, 0,
         CASE mem WHEN 'torch_block' THEN 7 WHEN 'device' THEN 1 ELSE 0 END
  FROM ev_alloc, _torch_blocks
  WHERE mem = 'torch_block' OR (NOT present AND mem IN ('device', 'device_async', 'managed', 'metal_buffer'))
  UNION ALL
  SELECT id, ts, tid, site, 20, 0, stream, 0, ptr, 0, ptr, 0, 0,
         CASE mem WHEN 'torch_block' THEN 7 WHEN 'device' THEN 1 ELSE 0 END
  FROM ev_free, _torch_blocks
  WHERE mem = 'torch_block' OR mem = 'device' OR (NOT present AND mem IN ('device_async', 'managed', 'metal_buffer'))
  UNION ALL
  SELECT id, ts, tid, site, 21, 0, stream, 0, ptr, bytes, ptr, 0, 0, 0 FROM ev_api_record_stream
  -- the host reading (or writing) pinned memory from Python
  UNION ALL
  SELECT id, ts, tid, site, 22, 0, 0, 0, ptr, bytes, base,
         CASE mode WHEN 'read' THEN 1 WHEN 'write' THEN 2 ELSE 3 END, op_id, 0
  FROM ev_host_access
)
SELECT ts, id::DOUBLE AS id, tid::DOUBLE AS tid, site::DOUBLE AS site, op, stream::DOUBLE AS stream, obj::DOUBLE AS obj,
       ptr::DOUBLE AS ptr, bytes::DOUBLE AS bytes, base::DOUBLE AS base, mode::INTEGER AS mode,
       name::DOUBLE AS name, res::INTEGER AS res
FROM _rows
-- one time window at a time (the runner fills these in; see runDetectorPass):
-- a window's sort stays within the memory limit at any trace size
WHERE ts BETWEEN $pass_ts_lo AND $pass_ts_hi
ORDER BY ts, id, sub
