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
-- Declared objects (object_create / cb_create) with their owner's destruction.
_obj AS (
  SELECT o.obj, o.type, o.owner, o.bytes, o.create_id, o.destroy_ts, d.id AS owner_end_id, d.ts AS owner_end_ts, false AS inferred
  FROM objects o ASOF LEFT JOIN _owner_ends d ON d.owner = o.owner AND o.create_ts <= d.ts
),
-- Events carry no owner, but one recorded on a stream marks that stream's
-- work (a batch's completion event): an event still alive after the stream
-- it was last recorded on was destroyed was retained with that work. Only
-- traces that destroy streams can show it.
_sd AS (SELECT stream, id, ts FROM ev_stream_destroy),
_ev_last AS (
  SELECT g.event, g.create_id, g.destroyed_ts, arg_max(r.stream, r.ts) AS owner, max(r.ts) AS last_rec_ts
  FROM gpu_events g JOIN ev_event_record r
    ON r.event = g.event AND r.ts >= g.created_ts AND (g.destroyed_ts IS NULL OR r.ts <= g.destroyed_ts)
  WHERE g.create_id IS NOT NULL AND (SELECT count(*) FROM _sd) > 0
  GROUP BY g.event, g.create_id, g.destroyed_ts
),
_ev AS (
  SELECT l.event AS obj, 'event' AS type, l.owner, NULL::BIGINT AS bytes, l.create_id, l.destroyed_ts AS destroy_ts,
         d.id AS owner_end_id, d.ts AS owner_end_ts, true AS inferred
  FROM _ev_last l ASOF JOIN _sd d ON d.stream = l.owner AND l.last_rec_ts <= d.ts
),
_all AS (SELECT * FROM _obj UNION ALL SELECT * FROM _ev),
_clean_exit AS (SELECT max(ts) AS t, arg_max(id, ts) AS id FROM ev_process_end)
SELECT 'after-owner-destroyed' AS kind, owner_end_ts AS ts, [] AS tids,
  CASE WHEN owner_end_id IN (SELECT id FROM _sd) THEN [owner] ELSE [] END AS streams,
  [{'id': create_id, 'role': 'create'}, {'id': owner_end_id, 'role': 'owner-destroyed'}] AS evidence,
  obj, type, owner, bytes, destroy_ts - owner_end_ts AS retained_ns, inferred AS owner_inferred
FROM _all
WHERE owner_end_id IS NOT NULL AND (destroy_ts IS NULL OR destroy_ts > owner_end_ts + $grace_ns)
UNION ALL
-- Objects that are per-submission by nature; queues, streams and events
-- living until exit are normal.
SELECT 'alive-at-exit', (SELECT t FROM _clean_exit), [], [owner],
  [{'id': create_id, 'role': 'create'}, {'id': (SELECT id FROM _clean_exit), 'role': 'process-end'}],
  obj, type, owner, bytes, NULL, false
FROM _obj
WHERE (SELECT t FROM _clean_exit) IS NOT NULL AND owner_end_id IS NULL
  AND (destroy_ts IS NULL OR destroy_ts > (SELECT t FROM _clean_exit))
  AND type NOT IN ('stream', 'command_queue', 'event', 'shared_event')
ORDER BY ts, kind, obj
