-- Derived views over raw_events and the generated ev_<kind> views (the team contract,
-- see docs/readme/20-format-and-core.md). trace_meta and trace_warnings are tables
-- the loader fills. Within one thread, `id` order is program order (a thread's
-- chunks and records are written in sequence), so pairing uses id, not ts.
-- LEFT JOIN conditions must be plain equalities (put left-side tests inside a CASE): an extra
-- `AND left.col = k` term makes DuckDB fall back to a nested-loop join.
-- Kind ids and payload fields are double-brace placeholders filled in from the schema
-- at load time (src/format/bindSchema.ts): no kind id or payload mask is written here.

CREATE VIEW events AS
SELECT e.id, e.ts, e.tid, e.kind, k.name AS kind_name, k.grp, e.site, e.p0, e.p1, e.p2, e.p3, e.p4
FROM raw_events e JOIN kinds k ON k.code = e.kind;

-- A symbolized site (symbol records, appended by `mpstrace symbolize`/`record`) shows the
-- function with its source file and line; `offset` then is NULL and `dl_symbol` keeps
-- what the recorder's dladdr saw.
CREATE VIEW callsites AS
SELECT c.site_id, coalesce(s.function, c.symbol) AS symbol, c.module, c.addr,
  CASE WHEN s.site_id IS NULL THEN c."offset" END AS "offset", s.file, s.line, c.symbol AS dl_symbol
FROM ev_callsite c
LEFT JOIN (SELECT site_id, any_value(function) AS function, any_value(file) AS file, any_value(line) AS line
           FROM ev_symbol GROUP BY site_id) s ON s.site_id = c.site_id;

CREATE VIEW threads AS
SELECT t.tid,
  (SELECT n.name FROM ev_thread_name n WHERE n.tid = t.tid ORDER BY n.id DESC LIMIT 1) AS name,
  t.first_ts, t.last_ts,
  EXISTS (SELECT 1 FROM ev_thread_exit x WHERE x.tid = t.tid) AS exited
FROM (SELECT tid, min(ts) AS first_ts, max(ts) AS last_ts FROM raw_events GROUP BY tid) t;

-- Launches, command-buffer commits and copies/sets, joined to their GPU completion.
CREATE VIEW submissions AS
WITH c AS (
  SELECT corr, min(ts) AS gpu_start, max(ts + dur_ns) AS gpu_end,
         coalesce(min(error) FILTER (WHERE error <> 0), 0) AS error
  FROM ev_complete WHERE corr <> 0 GROUP BY corr
), s AS (
  SELECT corr, id, ts, tid, site, stream, name, 'launch' AS what FROM ev_submit
  UNION ALL SELECT corr, id, ts, tid, site, stream, NULL, 'commit' FROM ev_cb_commit
  UNION ALL SELECT corr, id, ts, tid, site, stream, 'memcpy ' || dir, 'memcpy' FROM ev_memcpy
  UNION ALL SELECT corr, id, ts, tid, site, stream, 'memset', 'memset' FROM ev_memset
)
-- c has no corr 0, so corr-less submissions stay unmatched; an `s.corr <> 0` term in the join
-- condition turned it into a nested-loop join (1.4 s instead of 8 ms for 64k submissions).
SELECT s.corr, s.id, s.ts, s.tid, s.site, s.stream, s.name, s.what, c.gpu_start, c.gpu_end, c.error
FROM s LEFT JOIN c ON c.corr = s.corr;

-- n_submits counts the rows of `submissions` per stream without its join to the completions:
-- that join keeps every submit record once (one completion row per corr), so the count is the
-- submit, commit, memcpy and memset records of the stream, the `sub` rows of `uses`. (Counted
-- through `submissions` it joined every completion, 1.8 GB of RSS at 100 M events.)
CREATE VIEW streams AS
WITH uses AS (
  SELECT stream, ts, true AS sub FROM ev_submit
  UNION ALL SELECT stream, ts, true FROM ev_cb_commit
  UNION ALL SELECT stream, ts, true FROM ev_memcpy
  UNION ALL SELECT stream, ts, true FROM ev_memset
  UNION ALL SELECT stream, ts, false FROM ev_event_record
  UNION ALL SELECT stream, ts, false FROM ev_event_wait
  UNION ALL SELECT stream, ts, false FROM ev_slot_acquire
  UNION ALL SELECT stream, ts, false FROM ev_slot_set_current
  UNION ALL SELECT stream, ts, false FROM ev_stream_create
  UNION ALL SELECT stream, ts, false FROM ev_stream_query
  UNION ALL SELECT target, ts, false FROM ev_sync_begin WHERE scope = 'stream'
), u AS (
  SELECT stream, min(ts) AS first_ts, max(ts) AS last_ts,
    CASE WHEN stream IS NULL THEN 0 ELSE count(*) FILTER (WHERE sub) END AS n_submits
  FROM uses GROUP BY stream
)
SELECT u.stream,
  (SELECT min(c.ts) FROM ev_stream_create c WHERE c.stream = u.stream) AS created_ts,
  (SELECT max(d.ts) FROM ev_stream_destroy d WHERE d.stream = u.stream) AS destroyed_ts,
  u.first_ts, u.last_ts, u.n_submits
FROM u;

-- sync_begin/sync_end paired per thread by nesting depth; end columns are NULL
-- for a call that never returned (a hang, or the process was killed inside it).
CREATE VIEW host_syncs AS
WITH se AS (
  SELECT id, tid, kind,
    sum(CASE WHEN kind = {{kind.sync_begin}} THEN 1 ELSE -1 END) OVER (PARTITION BY tid ORDER BY id ROWS UNBOUNDED PRECEDING) AS depth
  FROM raw_events WHERE kind IN ({{kind.sync_begin}}, {{kind.sync_end}})
), lv AS (
  SELECT id, tid, kind, CASE WHEN kind = {{kind.sync_begin}} THEN depth ELSE depth + 1 END AS level FROM se
), pr AS (
  SELECT id, kind, lead(id) OVER w AS next_id, lead(kind) OVER w AS next_kind
  FROM lv WINDOW w AS (PARTITION BY tid, level ORDER BY id)
)
SELECT b.id AS begin_id, e.id AS end_id, b.tid, b.site, b.scope, b.target, b.api,
  b.ts AS begin_ts, e.ts AS end_ts, e.ts - b.ts AS dur_ns, e.result
FROM pr JOIN ev_sync_begin b ON b.id = pr.id
LEFT JOIN ev_sync_end e ON e.id = CASE WHEN pr.next_kind = {{kind.sync_end}} THEN pr.next_id END
WHERE pr.kind = {{kind.sync_begin}};

-- cudaEventElapsedTime / MPS elapsedTime calls, begin and end paired per thread.
CREATE VIEW elapsed_queries AS
WITH q AS (
  SELECT id, tid, kind, lead(id) OVER w AS next_id, lead(kind) OVER w AS next_kind
  FROM raw_events WHERE kind IN ({{kind.elapsed_begin}}, {{kind.elapsed_end}}) WINDOW w AS (PARTITION BY tid ORDER BY id)
)
SELECT b.id AS begin_id, e.id AS end_id, b.tid, b.site, b.start_event, b.end_event,
  b.ts AS begin_ts, e.ts AS end_ts, e.elapsed_ns, e.error
FROM q JOIN ev_elapsed_begin b ON b.id = q.id
LEFT JOIN ev_elapsed_end e ON e.id = CASE WHEN q.next_kind = {{kind.elapsed_end}} THEN q.next_id END
WHERE q.kind = {{kind.elapsed_begin}};

-- One row per event lifetime (handles are reused after destroy); events used but
-- created before recording started get a row with NULL create columns.
CREATE VIEW gpu_events AS
WITH cd AS (
  SELECT id, ts, kind, p0 AS event, lead(kind) OVER w AS next_kind, lead(ts) OVER w AS next_ts
  FROM raw_events WHERE kind IN ({{kind.event_create}}, {{kind.event_destroy}}) WINDOW w AS (PARTITION BY p0 ORDER BY ts, id)
)
SELECT c.event, c.id AS create_id, c.ts AS created_ts,
  CASE WHEN cd.next_kind = {{kind.event_destroy}} THEN cd.next_ts END AS destroyed_ts, c.timing, c.flags, c.site
FROM cd JOIN ev_event_create c ON c.id = cd.id
UNION ALL
SELECT u.event, NULL, NULL, NULL, NULL, NULL, NULL
FROM (SELECT event FROM ev_event_record UNION SELECT event FROM ev_event_wait UNION SELECT event FROM ev_event_query) u
WHERE u.event NOT IN (SELECT event FROM ev_event_create);

-- Who holds which pool slot when. An acquire ends at the same thread's next
-- release of that slot ('release', or 'thread_exit' when the TLS destructor
-- released it); NULL end = never released. A set_current span ends when the
-- thread's current slot changes again (end_how 'replaced') or its slot is released.
CREATE VIEW slot_spans AS
WITH acq AS (
  SELECT id, ts, tid, kind, p0 AS stream, {{field.slot_acquire.slot}} AS slot,
    lead(id) OVER w AS next_id, lead(kind) OVER w AS next_kind
  FROM raw_events WHERE kind IN ({{kind.slot_acquire}}, {{kind.slot_release}}) WINDOW w AS (PARTITION BY tid, {{field.slot_acquire.slot}} ORDER BY id)
), cur AS (
  SELECT id, kind, lead(id) OVER w AS next_id, lead(kind) OVER w AS next_kind
  FROM raw_events WHERE kind IN ({{kind.slot_acquire}}, {{kind.slot_release}}, {{kind.slot_set_current}}) WINDOW w AS (PARTITION BY tid ORDER BY id)
)
SELECT a.slot, a.stream, a.tid, a.id AS start_id, a.ts AS start_ts, r.id AS end_id, r.ts AS end_ts,
  'acquire' AS how, s.source,
  CASE WHEN r.id IS NULL THEN NULL WHEN r.at_thread_exit <> 0 THEN 'thread_exit' ELSE 'release' END AS end_how
FROM acq a JOIN ev_slot_acquire s ON s.id = a.id
LEFT JOIN ev_slot_release r ON r.id = CASE WHEN a.next_kind = {{kind.slot_release}} THEN a.next_id END
WHERE a.kind = {{kind.slot_acquire}}
UNION ALL
SELECT sc.slot, sc.stream, sc.tid, sc.id, sc.ts, n.id, n.ts, 'set_current', sc.source,
  CASE WHEN n.id IS NULL THEN NULL WHEN n.kind = {{kind.slot_release}} AND {{field.slot_release.at_thread_exit@n}} <> 0 THEN 'thread_exit'
       WHEN n.kind = {{kind.slot_release}} THEN 'release' ELSE 'replaced' END
FROM cur JOIN ev_slot_set_current sc ON sc.id = cur.id
LEFT JOIN raw_events n ON n.id = cur.next_id
WHERE cur.kind = {{kind.slot_set_current}};

-- Backend object lifetimes: object_create/destroy plus Metal command buffers.
CREATE VIEW objects AS
WITH od AS (
  SELECT id, kind, lead(kind) OVER w AS next_kind, lead(ts) OVER w AS next_ts
  FROM raw_events WHERE kind IN ({{kind.object_create}}, {{kind.object_destroy}}) WINDOW w AS (PARTITION BY p0 ORDER BY ts, id)
), cb AS (
  SELECT id, kind, lead(kind) OVER w AS next_kind, lead(ts) OVER w AS next_ts
  FROM raw_events WHERE kind IN ({{kind.cb_create}}, {{kind.cb_dealloc}}) WINDOW w AS (PARTITION BY p0 ORDER BY ts, id)
)
SELECT o.obj, o.type, o.owner, o.bytes, o.id AS create_id, o.ts AS create_ts,
  CASE WHEN od.next_kind = {{kind.object_destroy}} THEN od.next_ts END AS destroy_ts, o.site
FROM od JOIN ev_object_create o ON o.id = od.id
UNION ALL
SELECT c.cb, 'command_buffer', c.stream, NULL, c.id, c.ts,
  CASE WHEN cb.next_kind = {{kind.cb_dealloc}} THEN cb.next_ts END, c.site
FROM cb JOIN ev_cb_create c ON c.id = cb.id;

-- Intent annotations from the runtime, one row each.
CREATE VIEW intents AS
SELECT id, ts, tid, site, 'device_sync_begin' AS what, NULL::BIGINT AS event, NULL::BIGINT AS stream, name FROM ev_intent_device_sync_begin
UNION ALL SELECT id, ts, tid, site, 'device_sync_end', NULL, NULL, name FROM ev_intent_device_sync_end
UNION ALL SELECT id, ts, tid, site, 'record', event, stream, NULL FROM ev_intent_record
UNION ALL SELECT id, ts, tid, site, 'wait', event, stream, NULL FROM ev_intent_wait
UNION ALL SELECT id, ts, tid, site, 'range_push', NULL, NULL, name FROM ev_range_push
UNION ALL SELECT id, ts, tid, site, 'range_pop', NULL, NULL, NULL FROM ev_range_pop
UNION ALL SELECT id, ts, tid, site, 'marker', NULL, NULL, name FROM ev_marker;
