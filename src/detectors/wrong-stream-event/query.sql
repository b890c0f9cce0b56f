-- wrong-stream-event (audit 2): event records and waits that do not do what the
-- caller asked. One row per offending record or wait.
WITH
-- API-level intent vs the backend call made next by the same thread for that
-- event (id order is program order within a thread).
_rec_intent AS (
  SELECT i.id AS intent_id, i.ts, i.tid, i.event, i.stream AS asked_stream, r.id AS call_id, r.stream AS actual_stream
  FROM ev_intent_record i ASOF JOIN ev_event_record r ON r.tid = i.tid AND r.event = i.event AND i.id < r.id
),
_wait_intent AS (
  SELECT i.id AS intent_id, i.ts, i.tid, i.event, i.stream AS asked_stream, w.id AS call_id, w.stream AS actual_stream
  FROM ev_intent_wait i ASOF JOIN ev_event_wait w ON w.tid = i.tid AND w.event = i.event AND i.id < w.id
),
-- Each backend wait with the event's latest record and latest create before it.
_wait_ctx AS (
  SELECT w.id, w.ts, w.tid, w.event, w.stream, r.id AS rec_id, r.ts AS rec_ts, r.stream AS rec_stream
  FROM ev_event_wait w ASOF LEFT JOIN ev_event_record r ON r.event = w.event AND w.ts >= r.ts
),
_wait_full AS (
  SELECT x.*, c.id AS create_id, c.ts AS create_ts
  FROM _wait_ctx x ASOF LEFT JOIN ev_event_create c ON c.event = x.event AND x.ts >= c.ts
),
-- Records and waits of each event in time order: a record directly followed by
-- another record was never waited on; if the next wait comes from another
-- thread, it waits on the later record while it needed the earlier one.
_seq AS (
  SELECT id, ts, tid, event, stream, kind,
         lag(kind) OVER w AS prev_kind, lag(id) OVER w AS prev_id,
         lead(kind) OVER w AS next_kind, lead(id) OVER w AS next_id, lead(tid) OVER w AS next_tid,
         lead(stream) OVER w AS next_stream
  FROM (SELECT id, ts, tid, event, stream, 'record' AS kind FROM ev_event_record
        UNION ALL SELECT id, ts, tid, event, stream, 'wait' FROM ev_event_wait)
  WINDOW w AS (PARTITION BY event ORDER BY ts, id)
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
FROM _wait_full WHERE create_id IS NOT NULL AND (rec_id IS NULL OR rec_ts < create_ts)
UNION ALL
SELECT 're-recorded', ts, [tid, next_tid], [stream, next_stream],
  [{'id': prev_id, 'role': 'unwaited-record'}, {'id': id, 'role': 're-record'}, {'id': next_id, 'role': 'wait'}],
  event, NULL, stream
FROM _seq WHERE kind = 'record' AND prev_kind = 'record' AND next_kind = 'wait' AND next_tid <> tid
UNION ALL
SELECT 'same-stream', ts, [tid], [stream],
  [{'id': rec_id, 'role': 'record'}, {'id': id, 'role': 'wait'}],
  event, NULL, stream
FROM _wait_full WHERE rec_id IS NOT NULL AND rec_stream = stream AND (create_ts IS NULL OR rec_ts >= create_ts)
ORDER BY ts, kind
