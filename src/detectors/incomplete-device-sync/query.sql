-- incomplete-device-sync (audit 1): an operation meant to synchronize the whole
-- device returned while work submitted before it began was still pending, or
-- while it waited on only a subset of the streams that had pending work.
-- One row per sync operation at fault.
--
-- Parameters: $tolerance_ns: GPU completions this close after the sync
-- returned are clock noise, not pending work.
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
),
_hs AS MATERIALIZED (
  SELECT begin_id, end_id, tid, scope, target, api, begin_ts, end_ts FROM host_syncs
),
-- Backend calls that are device-wide by contract (scope 'device', e.g.
-- cudaDeviceSynchronize), unless an annotated range already covers them.
_contract AS (
  SELECT h.begin_id, h.end_id, h.tid, h.begin_ts, h.end_ts, coalesce(h.api, 'device sync') AS api, 'contract' AS source
  FROM _hs h
  WHERE h.scope = 'device' AND h.end_ts IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM _intents i
                    WHERE i.tid = h.tid AND h.begin_ts >= i.begin_ts AND h.end_ts <= i.end_ts)
),
_ops AS MATERIALIZED (SELECT * FROM _intents UNION ALL SELECT * FROM _contract),
-- Algorithm: give every submission to the first op that began after it, keep
-- per op and stream the latest-finishing one, then carry a running maximum
-- over the ops in time order: that is, per stream, the latest GPU end of all
-- work submitted before the op began. One sort of the submissions, not one
-- search per op.
_bucket AS (
  SELECT o.begin_id, s.stream, max(s.gpu_end) AS mx, arg_max(s.id, s.gpu_end) AS mx_id
  FROM submissions s ASOF JOIN _ops o ON s.ts < o.begin_ts
  WHERE s.gpu_end IS NOT NULL
  GROUP BY o.begin_id, s.stream
),
_last AS (
  SELECT x.*, max(b.mx) OVER w AS gpu_end, arg_max(b.mx_id, b.mx) OVER w AS sub_id
  FROM (SELECT o.*, st.stream FROM _ops o CROSS JOIN (SELECT DISTINCT stream FROM _bucket) st) x
  LEFT JOIN _bucket b ON b.begin_id = x.begin_id AND b.stream = x.stream
  WINDOW w AS (PARTITION BY x.stream ORDER BY x.begin_ts, x.begin_id ROWS UNBOUNDED PRECEDING)
),
-- Streams the op actually waited on: host syncs on its thread inside the range
-- (an event sync waits for the stream of that event's latest record).
_inner AS MATERIALIZED (
  SELECT i.begin_id, h.begin_id AS sync_id, h.scope, h.target, h.begin_ts
  FROM _intents i JOIN _hs h
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
         list(DISTINCT stream ORDER BY stream) FILTER (WHERE stream IS NOT NULL) AS streams,
         list(DISTINCT sync_id ORDER BY sync_id) AS sync_ids
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
_per_op AS (
  SELECT begin_id, any_value(end_id) AS end_id, any_value(tid) AS tid, any_value(begin_ts) AS begin_ts,
         any_value(end_ts) AS end_ts, any_value(api) AS api, any_value(source) AS source,
         list(stream ORDER BY stream) FILTER (WHERE late) AS late_streams,
         list(sub_id ORDER BY stream) FILTER (WHERE late) AS late_subs,
         max(gpu_end - end_ts) FILTER (WHERE late) AS pending_after_ns,
         list(stream ORDER BY stream) FILTER (WHERE pending AND NOT stream_synced AND NOT all_synced AND source <> 'contract') AS unsynced_streams,
         list(sub_id ORDER BY stream) FILTER (WHERE pending AND NOT stream_synced AND NOT all_synced AND source <> 'contract') AS unsynced_subs,
         any_value(synced_streams) AS synced_streams,
         any_value(sync_ids) AS sync_ids
  FROM _judged GROUP BY begin_id
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
