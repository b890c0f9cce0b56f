-- context: info-level facts about the whole trace that frame the other
-- findings: streams used concurrently, host syncs per second, and time blocked
-- in host syncs. Always one row per fact.
WITH
-- Who submitted where: straight from the submission records (no GPU join needed).
_sub_ev AS (
  SELECT stream, tid FROM ev_submit
  UNION ALL SELECT stream, tid FROM ev_cb_commit
  UNION ALL SELECT stream, tid FROM ev_memcpy
  UNION ALL SELECT stream, tid FROM ev_memset
),
-- Each stream's GPU busy time as merged intervals: work on one stream runs in
-- order, so an interval starts where the previous execution ended earlier and
-- ends where the next one starts later; the sweep below then sees few rows.
_gpu AS (
  SELECT gpu_start, gpu_end,
         gpu_start > coalesce(lag(gpu_end) OVER w, -1) AS opens,
         gpu_end < coalesce(lead(gpu_start) OVER w, 9223372036854775807) AS closes
  FROM submissions WHERE gpu_start IS NOT NULL AND gpu_end > gpu_start
  WINDOW w AS (PARTITION BY stream ORDER BY gpu_start)
),
-- Algorithm: +1 at each busy interval's start, -1 at its end (ends first on
-- ties), summed in time order: the peak is the number of streams executing at once.
_peak AS (
  SELECT max(running) AS max_concurrent FROM (
    SELECT sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS running
    FROM (SELECT gpu_start AS t, 1 AS d FROM _gpu WHERE opens
          UNION ALL SELECT gpu_end, -1 FROM _gpu WHERE closes))
),
-- Blocked time per call; a call that never returned blocked until the trace ended.
_blocked AS MATERIALIZED (
  SELECT h.tid, coalesce(h.dur_ns, (SELECT max(ts) FROM raw_events) - h.begin_ts) AS ns FROM host_syncs h
),
_top AS (
  SELECT tid AS top_tid, sum(ns) AS top_ns FROM _blocked
  GROUP BY tid ORDER BY top_ns DESC, tid LIMIT 1
),
-- Records the recorder could not write: pairing (begin/end, acquire/release)
-- on those threads may be off, so the other findings deserve a caveat.
_lost AS (
  SELECT sum({{field.records_lost.count}}) AS n,
    list(DISTINCT CASE WHEN {{field.records_lost.lost_tid}} <> 0 THEN {{field.records_lost.lost_tid}} ELSE tid END) AS tids,
    min(id) AS first_id, min(ts) AS first_ts
  FROM raw_events WHERE kind = {{kind.records_lost}} AND {{field.records_lost.count}} > 0
),
_one AS MATERIALIZED (
  SELECT s.t0, greatest(s.t1 - s.t0, 1) AS dur_ns, u.*, y.*, p.max_concurrent, tp.*
  FROM (SELECT min(ts) AS t0, max(ts) AS t1 FROM raw_events WHERE kind NOT IN ({{kinds.non_timeline}})) s
  CROSS JOIN (SELECT count(DISTINCT stream) AS n_streams, count(DISTINCT tid) AS n_sub_threads, count(*) AS n_submits FROM _sub_ev) u
  CROSS JOIN (SELECT count(*) AS n_syncs, coalesce(sum(ns), 0) AS blocked_ns FROM _blocked) y
  CROSS JOIN _peak p
  LEFT JOIN _top tp ON true
),
_facts AS (
  SELECT 1 AS ord, 'streams' AS kind, t0 AS ts, [] AS tids, [] AS streams, [] AS evidence,
    n_streams AS streams_used, max_concurrent AS max_concurrent_streams, n_sub_threads AS submitting_threads, n_submits AS submissions,
    NULL::DOUBLE AS syncs_per_s, NULL::BIGINT AS syncs, NULL::BIGINT AS blocked_ns, NULL::DOUBLE AS blocked_pct,
    NULL::BIGINT AS trace_ns, NULL::BIGINT AS top_tid, NULL::BIGINT AS top_blocked_ns
  FROM _one
  UNION ALL
  SELECT 2, 'syncs', t0, [], [], [], NULL, NULL, NULL, NULL, n_syncs * 1e9 / dur_ns, n_syncs, NULL, NULL, dur_ns, NULL, NULL FROM _one
  UNION ALL
  SELECT 3, 'blocked', t0, [], [], [], NULL, NULL, NULL, NULL, NULL, n_syncs, blocked_ns, 100.0 * blocked_ns / dur_ns, dur_ns, top_tid, top_ns FROM _one
  UNION ALL
  SELECT 0, 'records-lost', first_ts, tids, [], [{'id': first_id, 'role': 'records-lost'}], NULL, NULL, NULL, NULL, NULL, n, NULL, NULL, NULL, NULL, NULL
  FROM _lost WHERE n > 0
)
SELECT * EXCLUDE (ord) FROM _facts ORDER BY ord
