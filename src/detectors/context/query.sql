-- context: info-level facts about the whole trace that frame the other
-- findings: streams used concurrently, host syncs per second, and time blocked
-- in host syncs. Always one row per fact.
WITH
_span AS (SELECT min(ts) AS t0, max(ts) AS t1 FROM raw_events WHERE kind NOT IN (9, 10)),
_dur AS (SELECT greatest(t1 - t0, 1) AS ns FROM _span),
-- Algorithm: +1 at each GPU execution start, -1 at its end, summed in time
-- order; work on one stream runs in order, so the peak is the number of
-- streams executing at once.
_gpu AS (
  SELECT stream, gpu_start, gpu_end FROM submissions WHERE gpu_start IS NOT NULL AND gpu_end > gpu_start
),
_sweep AS (
  SELECT sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS running
  FROM (SELECT gpu_start AS t, 1 AS d FROM _gpu UNION ALL SELECT gpu_end, -1 FROM _gpu)
),
_streams AS (
  SELECT count(DISTINCT stream) AS n_streams, count(DISTINCT tid) AS n_threads, count(*) AS n_submits FROM submissions
),
_syncs AS (
  SELECT count(*) AS n, count(end_ts) AS n_returned, coalesce(sum(dur_ns), 0) AS blocked_ns,
         count(DISTINCT tid) AS n_threads
  FROM host_syncs
),
_top AS (
  SELECT tid, sum(dur_ns) AS ns FROM host_syncs WHERE dur_ns IS NOT NULL GROUP BY tid ORDER BY ns DESC, tid LIMIT 1
),
_facts AS (
SELECT 'streams' AS kind, (SELECT t0 FROM _span) AS ts, [] AS tids, [] AS streams, [] AS evidence,
  (SELECT n_streams FROM _streams) AS streams_used, (SELECT max(running) FROM _sweep) AS max_concurrent_streams,
  (SELECT n_threads FROM _streams) AS submitting_threads, (SELECT n_submits FROM _streams) AS submissions,
  NULL::DOUBLE AS syncs_per_s, NULL::BIGINT AS syncs, NULL::BIGINT AS blocked_ns, NULL::DOUBLE AS blocked_pct,
  NULL::BIGINT AS trace_ns, NULL::BIGINT AS top_tid, NULL::BIGINT AS top_blocked_ns
UNION ALL
SELECT 'syncs', (SELECT t0 FROM _span), [], [], [], NULL, NULL, NULL, NULL,
  (SELECT n FROM _syncs) * 1e9 / (SELECT ns FROM _dur), (SELECT n FROM _syncs), NULL, NULL, (SELECT ns FROM _dur), NULL, NULL
UNION ALL
SELECT 'blocked', (SELECT t0 FROM _span), [], [], [], NULL, NULL, NULL, NULL, NULL, (SELECT n FROM _syncs),
  (SELECT blocked_ns FROM _syncs), 100.0 * (SELECT blocked_ns FROM _syncs) / (SELECT ns FROM _dur), (SELECT ns FROM _dur),
  (SELECT tid FROM _top), (SELECT ns FROM _top)
)
SELECT * FROM _facts
ORDER BY CASE kind WHEN 'streams' THEN 1 WHEN 'syncs' THEN 2 ELSE 3 END
