-- incomplete-device-sync (audit 1): an operation meant to synchronize the whole
-- device returned while work submitted before it began was still pending, or
-- while it waited on only a subset of the streams that had pending work.
-- One row per sync operation at fault.
--
-- Parameters: $tolerance_ns: GPU completions this close after the sync
-- returned are clock noise, not pending work.
--
-- Memory: the query runs as statements (see runDetectorSql): each heavy step
-- writes its small result to a temporary table, so DuckDB frees one step's
-- hash tables before the next begins. What is held grows with the number of
-- device syncs (times streams), not with the number of submissions.

-- The ops: intent ranges and contract syncs.
CREATE TEMP TABLE _ids_intents AS
WITH
-- Intent ranges, paired per thread by nesting level (the k-th begin at level L
-- pairs with the k-th end at level L): annotated ones (intent_device_sync_begin/end)
-- and the program's public device-wide syncs as the PyTorch layer saw them
-- (api_sync_begin/end with scope device: torch.cuda.synchronize,
-- torch.accelerator.synchronize, torch.mps.synchronize). The two kinds pair apart.
_marks AS (
  SELECT id, ts, tid, site, name, 1 AS d, 'annotation' AS src FROM ev_intent_device_sync_begin
  UNION ALL
  SELECT id, ts, tid, site, name, -1 AS d, 'annotation' FROM ev_intent_device_sync_end
  UNION ALL
  SELECT id, ts, tid, site, api, 1, 'torch' FROM ev_api_sync_begin WHERE scope = 'device'
  UNION ALL
  SELECT id, ts, tid, site, api, -1, 'torch' FROM ev_api_sync_end WHERE scope = 'device'
),
_levels AS (
  SELECT *, sum(d) OVER (PARTITION BY tid, src ORDER BY id ROWS UNBOUNDED PRECEDING)
            + CASE WHEN d = -1 THEN 1 ELSE 0 END AS level
  FROM _marks
),
_ranked AS (
  SELECT *, row_number() OVER (PARTITION BY tid, src, level, d ORDER BY id) AS k FROM _levels
),
_intents_all AS (
  SELECT b.id AS begin_id, e.id AS end_id, b.tid, b.ts AS begin_ts, e.ts AS end_ts,
         coalesce(b.name, 'device sync') AS api, b.src
  FROM _ranked b JOIN _ranked e ON e.tid = b.tid AND e.src = b.src AND e.level = b.level AND e.k = b.k AND e.d = -1
  WHERE b.d = 1
),
-- One operation, one verdict: a torch-layer range that overlaps an annotated
-- one on its thread (an annotated runtime whose device sync is, or calls,
-- torch.cuda.synchronize) is the same operation; the annotation speaks for it.
-- Both sources are intent: judged alike from here on (source <> 'contract').
_intents AS (
  SELECT begin_id, end_id, tid, begin_ts, end_ts, api, src AS source
  FROM _intents_all t
  WHERE t.src = 'annotation'
     OR NOT EXISTS (SELECT 1 FROM _intents_all a
                    WHERE a.src = 'annotation' AND a.tid = t.tid AND a.begin_ts <= t.end_ts AND t.begin_ts <= a.end_ts)
)
SELECT * FROM _intents;

CREATE TEMP TABLE _ids_ops AS
WITH
-- Backend calls that are device-wide by contract (scope 'device', e.g.
-- cudaDeviceSynchronize), unless an annotated range already covers them.
_contract AS (
  SELECT h.begin_id, h.end_id, h.tid, h.begin_ts, h.end_ts, coalesce(h.api, 'device sync') AS api, 'contract' AS source
  FROM host_syncs h
  WHERE h.scope = 'device' AND h.end_ts IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM _ids_intents i
                    WHERE i.tid = h.tid AND h.begin_ts >= i.begin_ts AND h.end_ts <= i.end_ts)
)
SELECT * FROM _ids_intents UNION ALL SELECT * FROM _contract;

-- Algorithm (memory bounded by the number of ops, not of submissions): per op
-- and stream, the latest GPU end of all work submitted before the op began.
-- Time is cut into bins, about one op per bin on average (their width from the
-- 1st to 99th percentile of the op begins, so a few ops at odd times do not
-- widen them; times far outside fall into two clamped edge bins). The bin of a
-- time only ever grows with it, so a submission in an earlier bin than an op
-- was submitted before it. One hash aggregate over the submissions, each
-- joined to its completion and to the ops of its own bin, gives per (bin,
-- stream) the latest-finishing submission (for the ops of later bins) and per
-- (op, stream) the latest among those submitted before the op in its bin; a
-- running maximum over the bins, in time order, joins the two. No sort or ASOF
-- join of the submissions (both grew with the trace).
CREATE TEMP TABLE _ids_grid AS
SELECT lo, n, greatest(1.0, (hi::DOUBLE - lo::DOUBLE) / greatest(1, 0.98 * n)) AS w
FROM (SELECT coalesce(quantile_disc(begin_ts, 0.01), 0) AS lo, coalesce(quantile_disc(begin_ts, 0.99), 0) AS hi,
             greatest(count(*), 1) AS n FROM _ids_ops);

CREATE TEMP TABLE _ids_obin AS
SELECT o.begin_id, o.begin_ts, greatest(-g.n, least(2 * g.n, floor((o.begin_ts::DOUBLE - g.lo::DOUBLE) / g.w)))::BIGINT AS bin
FROM _ids_ops o, _ids_grid g;

CREATE TEMP TABLE _ids_agg AS
WITH
-- Launches, command-buffer commits, copies and sets (as in `submissions`), in
-- one scan.
_subs AS (
  SELECT id, ts,
    CASE kind WHEN {{kind.submit}} THEN {{field.submit.stream}} WHEN {{kind.cb_commit}} THEN {{field.cb_commit.stream}}
              WHEN {{kind.memcpy}} THEN {{field.memcpy.stream}} ELSE {{field.memset.stream}} END AS stream,
    CASE kind WHEN {{kind.submit}} THEN {{field.submit.corr}} WHEN {{kind.cb_commit}} THEN {{field.cb_commit.corr}}
              WHEN {{kind.memcpy}} THEN {{field.memcpy.corr}} ELSE {{field.memset.corr}} END AS corr
  FROM raw_events WHERE kind IN ({{kind.submit}}, {{kind.cb_commit}}, {{kind.memcpy}}, {{kind.memset}})
),
-- Submissions with a completion record (those without one are unknown, not
-- pending); one row per completion record, so the maximum below is the
-- submission's GPU end as `submissions` has it.
_done AS (
  SELECT s.id, s.ts, s.stream, c.gpu_end,
         greatest(-g.n, least(2 * g.n, floor((s.ts::DOUBLE - g.lo::DOUBLE) / g.w)))::BIGINT AS bin
  FROM _subs s JOIN (SELECT corr, ts + dur_ns AS gpu_end FROM ev_complete WHERE corr <> 0) c ON c.corr = s.corr, _ids_grid g
  WHERE c.gpu_end IS NOT NULL
),
_pairs AS (
  SELECT d.bin, d.stream, d.id, d.gpu_end, CASE WHEN d.ts < o.begin_ts THEN o.begin_id END AS op_id
  FROM _done d LEFT JOIN _ids_obin o ON o.bin = d.bin
)
SELECT bin, stream, op_id, GROUPING(bin) AS by_op, max(gpu_end) AS mx, arg_max(id, gpu_end) AS mx_id
FROM _pairs GROUP BY GROUPING SETS ((bin, stream), (op_id, stream));

WITH
_carry AS (SELECT bin, stream, mx, mx_id FROM _ids_agg WHERE by_op = 0),
_inbin AS (SELECT op_id AS begin_id, stream, mx, mx_id FROM _ids_agg WHERE by_op = 1 AND op_id IS NOT NULL),
-- Per op and stream, the latest of the earlier bins (ops sort before the
-- carry row of their own bin) and of its own bin.
_run AS (
  SELECT begin_id, stream, is_carry, max(mx) OVER w AS mx, arg_max(mx_id, mx) OVER w AS mx_id
  FROM (SELECT o.begin_id, o.bin, st.stream, 0 AS is_carry, NULL::BIGINT AS mx, NULL::BIGINT AS mx_id
        FROM _ids_obin o CROSS JOIN (SELECT DISTINCT stream FROM _carry) st
        UNION ALL SELECT NULL, bin, stream, 1, mx, mx_id FROM _carry)
  WINDOW w AS (PARTITION BY stream ORDER BY bin, is_carry ROWS UNBOUNDED PRECEDING)
),
_last AS (
  SELECT o.*, r.stream,
         CASE WHEN i.mx IS NULL OR r.mx > i.mx THEN r.mx ELSE i.mx END AS gpu_end,
         CASE WHEN i.mx IS NULL OR r.mx > i.mx THEN r.mx_id ELSE i.mx_id END AS sub_id
  FROM _run r JOIN _ids_ops o ON o.begin_id = r.begin_id
  LEFT JOIN _inbin i ON i.begin_id = r.begin_id AND i.stream = r.stream
  WHERE r.is_carry = 0
),
-- Streams the op actually waited on: host syncs on its thread inside the range
-- (an event sync waits for the stream of that event's latest record).
_inner AS MATERIALIZED (
  SELECT i.begin_id, h.begin_id AS sync_id, h.scope, h.target, h.begin_ts
  FROM _ids_intents i JOIN host_syncs h
    ON h.tid = i.tid AND h.begin_ts >= i.begin_ts AND h.begin_ts <= i.end_ts
),
_inner_ev AS (
  SELECT n.begin_id, n.sync_id, n.scope,
         CASE n.scope WHEN 'stream' THEN n.target WHEN 'event' THEN r.stream END AS stream
  FROM _inner n
  ASOF LEFT JOIN (SELECT * FROM ev_event_record WHERE event IN (SELECT target FROM _inner WHERE scope = 'event')) r
    ON r.event = n.target AND n.begin_ts >= r.ts
),
_synced AS (
  SELECT begin_id,
         bool_or(scope = 'device') AS all_synced,
         list_sort(list_distinct(list(stream) FILTER (WHERE stream IS NOT NULL))) AS streams,
         list_sort(list_distinct(list(sync_id))) AS sync_ids
  FROM _inner_ev GROUP BY begin_id
),
-- Per op and stream: was work pending at the start, did it outlive the return,
-- and was the stream among those waited on?
_judged AS (
  SELECT l.*, coalesce(sy.all_synced, false) AS all_synced,
         coalesce(list_contains(sy.streams, l.stream), false) AS stream_synced,
         l.gpu_end > l.end_ts + $tolerance_ns AS late,
         l.gpu_end > l.begin_ts AS pending,
         sy.streams AS synced_streams, sy.sync_ids
  FROM _last l LEFT JOIN _synced sy ON sy.begin_id = l.begin_id AND l.source <> 'contract'
),
-- Only the (op, stream) rows that make a finding are grouped, into one list
-- per op (list aggregates hold memory per group).
_per_op0 AS (
  SELECT begin_id, any_value(end_id) AS end_id, any_value(tid) AS tid, any_value(begin_ts) AS begin_ts,
         any_value(end_ts) AS end_ts, any_value(api) AS api, any_value(source) AS source,
         list_sort(list({'stream': stream, 'sub_id': sub_id, 'late': late, 'unsynced': unsynced})) AS rows,
         max(gpu_end - end_ts) FILTER (WHERE late) AS pending_after_ns,
         any_value(synced_streams) AS synced_streams,
         any_value(sync_ids) AS sync_ids
  FROM (SELECT *, pending AND NOT stream_synced AND NOT all_synced AND source <> 'contract' AS unsynced FROM _judged)
  WHERE late OR unsynced
  GROUP BY begin_id
),
_per_op AS (
  SELECT * EXCLUDE (rows),
         list_transform(list_filter(rows, x -> x.late), x -> x.stream) AS late_streams,
         list_transform(list_filter(rows, x -> x.late), x -> x.sub_id) AS late_subs,
         list_transform(list_filter(rows, x -> x.unsynced), x -> x.stream) AS unsynced_streams,
         list_transform(list_filter(rows, x -> x.unsynced), x -> x.sub_id) AS unsynced_subs
  FROM _per_op0
)
SELECT
  CASE WHEN len(late_streams) > 0 THEN 'late-completion' ELSE 'partial-sync' END AS kind,
  end_ts AS ts,
  [tid] AS tids,
  CASE WHEN len(late_streams) > 0 THEN late_streams ELSE unsynced_streams END AS streams,
  [{'id': begin_id, 'role': 'sync-begin'}, {'id': end_id, 'role': 'sync-end'}]
    || [{'id': x, 'role': 'pending-submit'} FOR x IN coalesce(CASE WHEN len(late_streams) > 0 THEN late_subs ELSE unsynced_subs END, [])]
    || [{'id': x, 'role': 'inner-sync'} FOR x IN coalesce(sync_ids, [])] AS evidence,
  api, source,
  end_ts - begin_ts AS sync_dur_ns,
  pending_after_ns,
  coalesce(synced_streams, []) AS synced_streams,
  coalesce(unsynced_streams, []) AS unsynced_streams
FROM _per_op
WHERE len(late_streams) > 0 OR len(unsynced_streams) > 0
ORDER BY end_ts, begin_id
