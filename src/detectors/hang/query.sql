-- hang (audit 4): blocking host calls that never returned or blocked far longer
-- than the run's typical step, and elapsed-time queries on events created
-- without timing (a hang on MPS, an error on CUDA), even when they returned.
--
-- Parameters: $floor_ns: never flag a block shorter than this;
-- $step_factor: a block longer than step_factor x the typical step is a hang.
--
-- Memory: the query runs as statements (see runDetectorSql): the typical step
-- (one row) and the calls that never returned or blocked past the limit (few)
-- go to temporary tables, so no step holds another's sorts.
CREATE TEMP TABLE _hang_limit AS
WITH
-- Typical step, as the metrics define it: the median interval between starts
-- of the most frequent range of one thread (e.g. 'step'), with 5 or more
-- starts; failing that, the median gap between a thread's consecutive
-- sync_begins (a training or inference loop syncs about once per step).
_top_range AS (
  SELECT name, tid FROM ev_range_push WHERE name IS NOT NULL
  GROUP BY name, tid HAVING count(*) >= 5 ORDER BY count(*) DESC, min(ts), name LIMIT 1
),
_range_gaps AS (
  SELECT p.ts - lag(p.ts) OVER (ORDER BY p.ts, p.id) AS gap
  FROM ev_range_push p JOIN _top_range r ON r.name = p.name AND r.tid = p.tid
),
_gaps AS (
  SELECT ts - lag(ts) OVER (PARTITION BY tid ORDER BY ts, id) AS gap FROM ev_sync_begin
),
_step AS (
  SELECT coalesce((SELECT median(gap) FROM _range_gaps WHERE gap > 0),
                  (SELECT CASE WHEN count(gap) >= 5 THEN median(gap) END FROM _gaps WHERE gap > 0)) AS step_ns
)
SELECT greatest($floor_ns, coalesce((SELECT step_ns FROM _step) * $step_factor, 0)) AS limit_ns,
       (SELECT step_ns FROM _step) AS step_ns, (SELECT max(ts) FROM raw_events) AS t;

CREATE TEMP TABLE _hang_calls AS
WITH
-- Every blocking call: host syncs and elapsed-time queries.
_calls AS (
  SELECT begin_id, end_id, tid, begin_ts, end_ts, coalesce(api, scope) AS api, scope, target, 'sync' AS what FROM host_syncs
  UNION ALL
  SELECT begin_id, end_id, tid, begin_ts, end_ts, 'elapsed_time', 'event', end_event, 'elapsed' FROM elapsed_queries
)
SELECT * FROM _calls WHERE end_ts IS NULL OR end_ts - begin_ts > (SELECT limit_ns FROM _hang_limit);

WITH
_limit AS (SELECT limit_ns, step_ns FROM _hang_limit),
_open0 AS (
  SELECT c.*, (SELECT t FROM _hang_limit) - c.begin_ts AS blocked_ns, hb.id AS hb_id
  FROM _hang_calls c ASOF LEFT JOIN ev_heartbeat hb ON hb.blocked_tid = c.tid AND hb.ts >= c.begin_ts
  WHERE c.end_ts IS NULL
),
-- A wait on an event created without timing is how elapsedTime() hangs on MPS
-- (audit 4): say so, from the event's latest creation before the call.
_open AS (
  SELECT o.*, CASE WHEN o.scope = 'event' THEN ec.timing END AS target_timing
  FROM _open0 o ASOF LEFT JOIN (SELECT * FROM ev_event_create WHERE event IN (SELECT target FROM _open0)) ec
    ON ec.event = o.target AND o.begin_ts >= ec.ts
),
-- The event lifetime (latest create before the query) decides whether it had timing.
_el AS (
  SELECT q.*, cs.timing AS start_timing, cs.id AS start_create, ce.timing AS end_timing, ce.id AS end_create
  FROM elapsed_queries q
  ASOF LEFT JOIN ev_event_create cs ON cs.event = q.start_event AND q.begin_ts >= cs.ts
  ASOF LEFT JOIN ev_event_create ce ON ce.event = q.end_event AND q.begin_ts >= ce.ts
),
-- Event.elapsed_time as the program called it (the PyTorch layer's api_elapsed,
-- written when the call returned or raised). torch raises before any backend
-- call when an event lacks timing, so there may be no backend query at all:
-- the timing the program asked for, or the backend's own create flags for
-- those handles (a runtime that dropped enable_timing), decide. A backend query
-- made under the call (since the thread's previous api_elapsed) is reported by
-- the rows above instead: one finding per call.
_api0 AS (
  SELECT a.*, lag(a.id, 1, 0) OVER (PARTITION BY a.tid ORDER BY a.id) AS prev_id FROM ev_api_elapsed a
),
_api1 AS (
  SELECT a.* FROM _api0 a
  WHERE NOT EXISTS (SELECT 1 FROM elapsed_queries q WHERE q.tid = a.tid AND q.begin_id < a.id AND q.begin_id > a.prev_id)
),
_api AS (
  SELECT a.*, cs.timing AS cs_timing, cs.id AS start_create, ce.timing AS ce_timing, ce.id AS end_create
  FROM _api1 a
  ASOF LEFT JOIN ev_event_create cs ON cs.event = a.start_event AND a.ts >= cs.ts
  ASOF LEFT JOIN ev_event_create ce ON ce.event = a.end_event AND a.ts >= ce.ts
)
SELECT 'never-returned' AS kind, begin_ts AS ts, [tid] AS tids,
  CASE WHEN scope = 'stream' THEN [target] ELSE [] END AS streams,
  [{'id': begin_id, 'role': 'call-begin'}] || CASE WHEN hb_id IS NULL THEN [] ELSE [{'id': hb_id, 'role': 'heartbeat'}] END AS evidence,
  CASE WHEN blocked_ns >= (SELECT limit_ns FROM _limit) THEN 'error' ELSE 'warning' END AS severity,
  api, scope, target, blocked_ns AS dur_ns, (SELECT limit_ns FROM _limit) AS limit_ns, (SELECT step_ns FROM _limit) AS step_ns,
  NULL::BIGINT AS start_event, NULL::BIGINT AS end_event, NULL::INTEGER AS error, target_timing
FROM _open
UNION ALL
SELECT 'long-block', begin_ts, [tid], CASE WHEN scope = 'stream' THEN [target] ELSE [] END,
  [{'id': begin_id, 'role': 'call-begin'}, {'id': end_id, 'role': 'call-end'}], NULL,
  api, scope, target, end_ts - begin_ts, (SELECT limit_ns FROM _limit), (SELECT step_ns FROM _limit), NULL, NULL, NULL, NULL
FROM _hang_calls WHERE end_ts IS NOT NULL AND end_ts - begin_ts > (SELECT limit_ns FROM _limit)
UNION ALL
SELECT 'elapsed-untimed', begin_ts, [tid], [],
  [{'id': begin_id, 'role': 'elapsed-begin'}]
    || CASE WHEN end_id IS NULL THEN [] ELSE [{'id': end_id, 'role': 'elapsed-end'}] END
    || CASE WHEN start_timing = 0 THEN [{'id': start_create, 'role': 'untimed-create'}] ELSE [] END
    || CASE WHEN end_timing = 0 AND end_create IS DISTINCT FROM start_create THEN [{'id': end_create, 'role': 'untimed-create'}] ELSE [] END,
  NULL, 'elapsed_time', 'event', end_event, end_ts - begin_ts, NULL, NULL, start_event, end_event, error, NULL
FROM _el WHERE start_timing = 0 OR end_timing = 0
UNION ALL
SELECT 'elapsed-untimed', ts, [tid], [],
  [{'id': id, 'role': 'api-elapsed'}]
    || CASE WHEN cs_timing = 0 THEN [{'id': start_create, 'role': 'untimed-create'}] ELSE [] END
    || CASE WHEN ce_timing = 0 AND end_create IS DISTINCT FROM start_create THEN [{'id': end_create, 'role': 'untimed-create'}] ELSE [] END,
  NULL, CASE WHEN raised = 1 THEN 'torch-raised' ELSE 'torch' END, 'event', end_event, NULL, NULL, NULL, start_event, end_event, NULL, NULL
FROM _api WHERE start_timing = 0 OR end_timing = 0 OR cs_timing = 0 OR ce_timing = 0
ORDER BY ts, kind
