-- double-owned-slot (audit 3): a pool slot owned by two live threads at once,
-- releases of slots the thread does not own, and (Metal) one stream used by two
-- threads in overlapping intervals. One row per offending span or release.
-- Slot records the recorder only inferred (source 'inferred', not declared by
-- the runtime's annotation or API) give warnings instead of errors.
--
-- Memory: the query runs as statements (see runDetectorSql), each step's small
-- result in a temporary table, so DuckDB frees one step's sorts before the next.
CREATE TEMP TABLE _dos_spans AS SELECT * FROM slot_spans;

CREATE TEMP TABLE _dos_islands AS
WITH
_spans AS (
  SELECT slot, stream, tid, start_id, start_ts, coalesce(end_ts, 9223372036854775807) AS end_ts, how, source
  FROM _dos_spans
),
-- Merge each thread's own spans of a slot into islands (acquire followed by
-- set-current of the same slot is one ownership), so a sweep per slot counts
-- owning threads, not spans.
_marked AS (
  SELECT *, CASE WHEN start_ts <= max(end_ts) OVER (PARTITION BY slot, tid ORDER BY start_ts, start_id
                                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                 THEN 0 ELSE 1 END AS new_island
  FROM _spans
),
_islands AS (
  SELECT slot, tid, island, min(start_ts) AS start_ts, max(end_ts) AS end_ts,
         arg_min(start_id, start_ts) AS start_id, arg_min(how, start_ts) AS how, arg_min(stream, start_ts) AS stream,
         arg_min(source, start_ts) AS source
  FROM (SELECT *, sum(new_island) OVER (PARTITION BY slot, tid ORDER BY start_ts, start_id ROWS UNBOUNDED PRECEDING) AS island FROM _marked)
  GROUP BY slot, tid, island
)
SELECT * FROM _islands;

CREATE TEMP TABLE _dos_conflicts AS
WITH
-- Sweep: +1 at an island's start, -1 at its end; a start that brings the count
-- to 2 or more took a slot another thread still held (ends sort before starts).
_sweep AS (
  SELECT slot, tid, start_id, t, how, stream, source,
         sum(d) OVER (PARTITION BY slot ORDER BY t, d, start_id ROWS UNBOUNDED PRECEDING) AS owners, d
  FROM (SELECT slot, tid, start_id, start_ts AS t, 1 AS d, how, stream, source FROM _dos_islands
        UNION ALL SELECT slot, tid, start_id, end_ts, -1, how, stream, source FROM _dos_islands)
)
SELECT * FROM _sweep WHERE d = 1 AND owners >= 2;

WITH
_spans AS (
  SELECT slot, stream, tid, start_id, start_ts, coalesce(end_ts, 9223372036854775807) AS end_ts, how, source
  FROM _dos_spans
),
-- The other owner of each conflict (conflicts are few, so this join is small).
_owned AS (
  SELECT c.slot, c.tid, c.start_id, c.t, c.how, c.stream, c.source,
         arg_max(s.tid, s.start_ts) AS other_tid, arg_max(s.start_id, s.start_ts) AS other_id, arg_max(s.stream, s.start_ts) AS other_stream
  FROM _dos_conflicts c JOIN _spans s ON s.slot = c.slot AND s.tid <> c.tid AND s.start_ts <= c.t AND s.end_ts > c.t
  GROUP BY ALL
),
-- Pool slots: those the pool ever handed out. A set-current onto one whose
-- latest acquire/release (by any thread) is a release, or that was never
-- acquired yet, puts a thread on a slot that is still in the free list.
_pool AS (SELECT DISTINCT slot FROM ev_slot_acquire),
_slot_ops AS (
  SELECT id, ts, slot, 'acquire' AS op FROM ev_slot_acquire
  UNION ALL SELECT id, ts, slot, 'release' FROM ev_slot_release
),
_set_free AS (
  SELECT sc.id, sc.ts, sc.tid, sc.slot, sc.stream, sc.source, o.id AS op_id, o.op
  FROM ev_slot_set_current sc ASOF LEFT JOIN _slot_ops o ON o.slot = sc.slot AND sc.ts >= o.ts
  WHERE sc.slot IN (SELECT slot FROM _pool) AND (o.op IS NULL OR o.op = 'release')
),
-- Releases that no acquire span of the same thread ends.
_unowned_rel AS (
  SELECT r.* FROM ev_slot_release r
  WHERE r.id NOT IN (SELECT end_id FROM _dos_spans WHERE how = 'acquire' AND end_id IS NOT NULL)
),
-- Metal streams (MTLCommandQueue use) are not thread-safe: per stream and
-- thread the interval from first to last command-buffer commit; two threads
-- overlapping. (Commits exist only in Metal traces.)
_use AS (
  SELECT stream, tid, min(ts) AS first_ts, max(ts) AS last_ts, arg_min(id, ts) AS first_id, arg_max(id, ts) AS last_id
  FROM ev_cb_commit GROUP BY stream, tid
)
SELECT CASE WHEN how = 'acquire' THEN 'acquire-owned' ELSE 'set-current-owned' END AS kind,
  t AS ts, [other_tid, tid] AS tids, [stream] AS streams,
  [{'id': other_id, 'role': 'owner-start'}, {'id': start_id, 'role': 'second-owner-start'}] AS evidence,
  CASE WHEN source = 'inferred' THEN 'warning' END AS severity, slot, other_tid AS owner_tid, tid AS second_tid, source
FROM _owned
UNION ALL
SELECT 'set-current-free', ts, [tid], [stream],
  [{'id': id, 'role': 'set-current'}] || CASE WHEN op_id IS NULL THEN [] ELSE [{'id': op_id, 'role': 'last-release'}] END,
  CASE WHEN source = 'inferred' THEN 'warning' END, slot, NULL, tid, source
FROM _set_free
UNION ALL
SELECT CASE WHEN at_thread_exit <> 0 THEN 'exit-release-unowned' ELSE 'release-unowned' END,
  ts, [tid], [stream], [{'id': id, 'role': 'release'}], CASE WHEN source = 'inferred' THEN 'warning' END, slot, NULL, tid, source
FROM _unowned_rel
UNION ALL
SELECT 'metal-stream-shared', greatest(a.first_ts, b.first_ts), [a.tid, b.tid], [a.stream],
  [{'id': a.first_id, 'role': 'first-use'}, {'id': b.first_id, 'role': 'first-use'},
   {'id': a.last_id, 'role': 'last-use'}, {'id': b.last_id, 'role': 'last-use'}],
  NULL, NULL, a.tid, b.tid, NULL
FROM _use a JOIN _use b ON a.stream = b.stream AND a.tid < b.tid AND a.first_ts < b.last_ts AND b.first_ts < a.last_ts
ORDER BY ts, kind
