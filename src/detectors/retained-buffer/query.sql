-- retained-buffer (audit 5): command buffers and other backend objects still
-- retained after their owner (stream, pool) was destroyed, or alive at a clean
-- process end. One row per object; grouping by creation site gives count/bytes.
--
-- Parameters: $grace_ns: an object released this soon after its owner's
-- destruction was released by the owner's destructor, not retained.
WITH
_owner_ends AS (
  SELECT stream AS owner, id, ts FROM ev_stream_destroy
  UNION ALL SELECT obj, id, ts FROM ev_object_destroy
),
_obj AS (
  SELECT o.*, d.id AS owner_end_id, d.ts AS owner_end_ts
  FROM objects o ASOF LEFT JOIN _owner_ends d ON d.owner = o.owner AND o.create_ts <= d.ts
),
_clean_exit AS (SELECT max(ts) AS t, arg_max(id, ts) AS id FROM ev_process_end)
SELECT 'after-owner-destroyed' AS kind, owner_end_ts AS ts, [] AS tids,
  CASE WHEN owner_end_id IN (SELECT id FROM ev_stream_destroy) THEN [owner] ELSE [] END AS streams,
  [{'id': create_id, 'role': 'create'}, {'id': owner_end_id, 'role': 'owner-destroyed'}] AS evidence,
  obj, type, owner, bytes, destroy_ts - owner_end_ts AS retained_ns
FROM _obj
WHERE owner_end_id IS NOT NULL AND (destroy_ts IS NULL OR destroy_ts > owner_end_ts + $grace_ns)
UNION ALL
-- Objects that are per-submission by nature; queues, streams and events
-- living until exit are normal.
SELECT 'alive-at-exit', (SELECT t FROM _clean_exit), [], [owner],
  [{'id': create_id, 'role': 'create'}, {'id': (SELECT id FROM _clean_exit), 'role': 'process-end'}],
  obj, type, owner, bytes, NULL
FROM _obj
WHERE (SELECT t FROM _clean_exit) IS NOT NULL AND owner_end_id IS NULL
  AND (destroy_ts IS NULL OR destroy_ts > (SELECT t FROM _clean_exit))
  AND type NOT IN ('stream', 'command_queue', 'event', 'shared_event')
ORDER BY ts, kind, obj
