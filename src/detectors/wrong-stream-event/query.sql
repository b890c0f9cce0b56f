-- wrong-stream-event (audit 2): event records and waits that do not do what the
-- caller asked. One row per offending record or wait.
WITH
-- API-level intent vs the backend call made next by the same thread for that
-- event (id order is program order within a thread). Only events that have
-- an intent take part in the search.
_rec_named AS (
  SELECT i.id AS intent_id, i.ts, i.tid, i.event, i.stream AS asked_stream, r.id AS call_id, r.stream AS actual_stream
  FROM (SELECT * FROM ev_intent_record WHERE event <> 0) i
  ASOF JOIN (SELECT * FROM ev_event_record WHERE event IN (SELECT event FROM ev_intent_record)) r
    ON r.tid = i.tid AND r.event = i.event AND i.id < r.id
),
-- Event 0: the PyTorch layer could not name the event yet (torch.cuda.Event
-- creates its CUDA event lazily, inside its first record), so the intent means
-- "the event this thread records next": the thread's next backend record.
_rec_lazy AS (
  SELECT i.id AS intent_id, i.ts, i.tid, r.event, i.stream AS asked_stream, r.id AS call_id, r.stream AS actual_stream
  FROM (SELECT * FROM ev_intent_record WHERE event = 0) i
  ASOF JOIN ev_event_record r ON r.tid = i.tid AND i.id < r.id
),
-- An annotated runtime and the PyTorch layer may both declare the same record
-- (one backend call): one verdict, from the first (outermost) intent.
_rec_intent AS (
  SELECT * FROM (SELECT * FROM _rec_named UNION ALL SELECT * FROM _rec_lazy)
  QUALIFY row_number() OVER (PARTITION BY call_id ORDER BY intent_id) = 1
),
_wait_intent AS (
  SELECT i.id AS intent_id, i.ts, i.tid, i.event, i.stream AS asked_stream, w.id AS call_id, w.stream AS actual_stream
  FROM ev_intent_wait i
  ASOF JOIN (SELECT * FROM ev_event_wait WHERE event IN (SELECT event FROM ev_intent_wait)) w
    ON w.tid = i.tid AND w.event = i.event AND i.id < w.id
  QUALIFY row_number() OVER (PARTITION BY w.id ORDER BY i.id) = 1
),
-- Algorithm: one pass over each event's creates, records and waits in time
-- order (creates first on ties). Each wait sees the event's latest record and
-- latest create before it; a record directly followed by another record was
-- never waited on, and if the next wait comes from another thread, that wait
-- waits on the later record while it needed the earlier one.
_ops AS (
  SELECT id, ts, tid, event, NULL::BIGINT AS stream, 'create' AS op, 0 AS rank FROM ev_event_create
  UNION ALL SELECT id, ts, tid, event, stream, 'record', 1 FROM ev_event_record
  UNION ALL SELECT id, ts, tid, event, stream, 'wait', 1 FROM ev_event_wait
),
_seq AS MATERIALIZED (
  SELECT id, ts, tid, event, stream, op,
         lag(op) OVER w AS prev_op, lag(id) OVER w AS prev_id,
         lead(op) OVER w AS next_op, lead(id) OVER w AS next_id, lead(tid) OVER w AS next_tid,
         lead(stream) OVER w AS next_stream,
         last_value(CASE WHEN op = 'record' THEN id END IGNORE NULLS) OVER wp AS rec_id,
         last_value(CASE WHEN op = 'record' THEN stream END IGNORE NULLS) OVER wp AS rec_stream,
         last_value(CASE WHEN op = 'record' THEN ts END IGNORE NULLS) OVER wp AS rec_ts,
         last_value(CASE WHEN op = 'create' THEN id END IGNORE NULLS) OVER wp AS create_id,
         last_value(CASE WHEN op = 'create' THEN ts END IGNORE NULLS) OVER wp AS create_ts
  FROM _ops
  WINDOW w AS (PARTITION BY event ORDER BY ts, rank, id),
         wp AS (PARTITION BY event ORDER BY ts, rank, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)
SELECT 'record-wrong-stream' AS kind, ts, [tid] AS tids, [asked_stream, actual_stream] AS streams,
  [{'id': intent_id, 'role': 'intent-record'}, {'id': call_id, 'role': 'backend-record'}] AS evidence,
  event, asked_stream, actual_stream
FROM _rec_intent WHERE actual_stream <> asked_stream
UNION ALL
SELECT 'wait-wrong-stream', ts, [tid], [asked_stream, actual_stream],
  [{'id': intent_id, 'role': 'intent-wait'}, {'id': call_id, 'role': 'backend-wait'}],
  event, asked_stream, actual_stream
FROM _wait_intent WHERE actual_stream <> asked_stream
UNION ALL
-- Only events created inside the trace: an event made before recording started
-- may have been recorded before it too.
SELECT 'wait-unrecorded', ts, [tid], [stream],
  [{'id': id, 'role': 'wait'}, {'id': create_id, 'role': 'create'}],
  event, NULL, stream
FROM _seq WHERE op = 'wait' AND create_id IS NOT NULL AND (rec_id IS NULL OR rec_ts < create_ts)
UNION ALL
SELECT 're-recorded', ts, [tid, next_tid], [stream, next_stream],
  [{'id': prev_id, 'role': 'unwaited-record'}, {'id': id, 'role': 're-record'}, {'id': next_id, 'role': 'wait'}],
  event, NULL, stream
FROM _seq WHERE op = 'record' AND prev_op = 'record' AND next_op = 'wait' AND next_tid <> tid
UNION ALL
SELECT 'same-stream', ts, [tid], [stream],
  [{'id': rec_id, 'role': 'record'}, {'id': id, 'role': 'wait'}],
  event, NULL, stream
FROM _seq WHERE op = 'wait' AND rec_id IS NOT NULL AND rec_stream = stream AND (create_ts IS NULL OR rec_ts >= create_ts)
ORDER BY ts, kind
