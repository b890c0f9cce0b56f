-- leaked-slot (audit 6): pool slots acquired and never released (also by threads
-- that exited still owning one), the free pool running dry, and acquisitions
-- that had to wait for a free slot. One row per acquire at fault.
--
-- Parameters: $wait_ns: an acquire that waited longer than this is reported.
--
-- Memory: the query runs as statements (see runDetectorSql): the spans never
-- released (few) go to a temporary table before the threads are looked up.
CREATE TEMP TABLE _ls_open AS SELECT * FROM slot_spans WHERE how = 'acquire' AND end_id IS NULL;

WITH
_held AS (
  SELECT s.*, t.exited, t.last_ts AS thread_last_ts
  FROM _ls_open s LEFT JOIN threads t ON t.tid = s.tid
),
_exit_rec AS (SELECT tid, max(id) AS id FROM ev_thread_exit GROUP BY tid),
-- A pool that runs dry is a problem when slots leak or acquires wait;
-- otherwise it was merely fully used (info).
_trouble AS (
  SELECT (SELECT count(*) FROM _held) + (SELECT count(*) FROM ev_slot_acquire WHERE wait_ns > 0) > 0 AS yes
)
SELECT CASE WHEN h.exited THEN 'thread-exited-owning' ELSE 'never-released' END AS kind,
  h.start_ts AS ts, [h.tid] AS tids, [h.stream] AS streams,
  [{'id': h.start_id, 'role': 'acquire'}] || CASE WHEN x.id IS NULL THEN [] ELSE [{'id': x.id, 'role': 'thread-exit'}] END AS evidence,
  NULL AS severity, h.slot, h.tid AS owner_tid, NULL::INTEGER AS free_after, NULL::BIGINT AS wait_ns
FROM _held h LEFT JOIN _exit_rec x ON x.tid = h.tid AND h.exited
UNION ALL
SELECT 'pool-exhausted', ts, [tid], [stream], [{'id': id, 'role': 'acquire'}],
  CASE WHEN (SELECT yes FROM _trouble) THEN 'warning' ELSE 'info' END, slot, tid, free_after, wait_ns
FROM ev_slot_acquire WHERE free_after = 0
UNION ALL
SELECT 'acquire-waited', ts, [tid], [stream], [{'id': id, 'role': 'acquire'}], NULL, slot, tid, free_after, wait_ns
FROM ev_slot_acquire WHERE wait_ns > $wait_ns
ORDER BY ts, kind
