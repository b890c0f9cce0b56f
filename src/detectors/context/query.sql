-- context: info-level facts about the whole trace that frame the other
-- findings: streams used concurrently, host syncs per second, and time blocked
-- in host syncs. Always one row per fact.
--
-- Memory: the query runs as statements (see runDetectorSql). The peak of streams
-- executing at once is computed per time bin (1/65536 of the GPU time span): each
-- stream's intervals are ordered within their bin, with the neighbours across a
-- bin edge from a small per-(stream, bin) table, and the sweep is summed per bin;
-- no sort of all submissions at once (that grew with the trace).
CREATE TEMP TABLE _ctx_grid AS
SELECT lo, greatest(1.0, (hi::DOUBLE - lo::DOUBLE) / 65536) AS w
FROM (SELECT coalesce(min(ts), 0) AS lo, coalesce(max(ts + dur_ns), 0) AS hi FROM ev_complete WHERE corr <> 0);

-- GPU execution of each submission (as in `submissions`), with the bin of its start.
CREATE TEMP TABLE _ctx_edges AS
WITH
_iv AS (
  SELECT s.stream, c.gpu_start, c.gpu_end,
         greatest(-1, least(65536, floor((c.gpu_start::DOUBLE - g.lo::DOUBLE) / g.w)))::BIGINT AS b
  FROM (SELECT {{field.submit.stream}} AS stream, {{field.submit.corr}} AS corr FROM raw_events WHERE kind = {{kind.submit}}
        UNION ALL SELECT stream, corr FROM ev_cb_commit
        UNION ALL SELECT stream, corr FROM ev_memcpy
        UNION ALL SELECT stream, corr FROM ev_memset) s
  JOIN (SELECT corr, min(ts) AS gpu_start, max(ts + dur_ns) AS gpu_end FROM ev_complete WHERE corr <> 0 GROUP BY corr) c
    ON c.corr = s.corr, _ctx_grid g
  WHERE c.gpu_end > c.gpu_start
),
-- Per stream and bin: the first start and the end of the last interval (in
-- start order), and the neighbouring bins' (lag/lead over the stream's bins).
_b AS (SELECT stream, b, min(gpu_start) AS first_start, arg_max(gpu_end, gpu_start) AS last_end FROM _iv GROUP BY stream, b)
SELECT stream, b, lag(last_end) OVER w AS prev_end, lead(first_start) OVER w AS next_start
FROM _b WINDOW w AS (PARTITION BY stream ORDER BY b);

-- Each stream's GPU busy time as merged intervals: work on one stream runs in
-- order, so an interval starts where the previous execution ended earlier and
-- ends where the next one starts later. Algorithm: +1 at each busy interval's
-- start, -1 at its end (ends first on ties), summed in time order: the peak is
-- the number of streams executing at once; here per bin, with the bin's total.
CREATE TEMP TABLE _ctx_bins AS
WITH
_iv AS (
  SELECT s.stream, c.gpu_start, c.gpu_end,
         greatest(-1, least(65536, floor((c.gpu_start::DOUBLE - g.lo::DOUBLE) / g.w)))::BIGINT AS b
  FROM (SELECT {{field.submit.stream}} AS stream, {{field.submit.corr}} AS corr FROM raw_events WHERE kind = {{kind.submit}}
        UNION ALL SELECT stream, corr FROM ev_cb_commit
        UNION ALL SELECT stream, corr FROM ev_memcpy
        UNION ALL SELECT stream, corr FROM ev_memset) s
  JOIN (SELECT corr, min(ts) AS gpu_start, max(ts + dur_ns) AS gpu_end FROM ev_complete WHERE corr <> 0 GROUP BY corr) c
    ON c.corr = s.corr, _ctx_grid g
  WHERE c.gpu_end > c.gpu_start
),
_gpu AS (
  SELECT i.gpu_start, i.gpu_end,
         i.gpu_start > coalesce(lag(i.gpu_end) OVER w, e.prev_end, -1) AS opens,
         i.gpu_end < coalesce(lead(i.gpu_start) OVER w, e.next_start, 9223372036854775807) AS closes
  FROM _iv i JOIN _ctx_edges e ON e.stream = i.stream AND e.b = i.b
  WINDOW w AS (PARTITION BY i.stream, i.b ORDER BY i.gpu_start)
),
_ev AS (
  SELECT t, d, greatest(-1, least(65536, floor((t::DOUBLE - g.lo::DOUBLE) / g.w)))::BIGINT AS b
  FROM (SELECT gpu_start AS t, 1 AS d FROM _gpu WHERE opens
        UNION ALL SELECT gpu_end, -1 FROM _gpu WHERE closes), _ctx_grid g
)
SELECT b, sum(d) AS total, max(running) AS top
FROM (SELECT b, d, sum(d) OVER (PARTITION BY b ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS running FROM _ev)
GROUP BY b;

WITH
-- Who submitted where: straight from the submission records (no GPU join needed).
_sub_ev AS (
  SELECT stream, tid FROM ev_submit
  UNION ALL SELECT stream, tid FROM ev_cb_commit
  UNION ALL SELECT stream, tid FROM ev_memcpy
  UNION ALL SELECT stream, tid FROM ev_memset
),
_peak AS (
  SELECT max(top + coalesce(before, 0)) AS max_concurrent
  FROM (SELECT top, sum(total) OVER (ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before FROM _ctx_bins)
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
