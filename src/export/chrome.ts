// Chrome trace-event JSON (opened by ui.perfetto.dev and chrome://tracing), written
// as a stream: one DuckDB chunk at a time becomes one write, so the size of the
// trace bounds the file, not the memory.
//
// Layout: the traced process (its real pid) has one track per host thread with
// its blocking syncs, elapsed-time queries, annotation ranges (X slices, nested)
// and event record/wait calls, markers and submissions that never got a GPU completion as
// instants; slot ownership spans are async (b/e) slices. A
// pseudo-process "GPU streams" has one track per stream with the GPU execution of
// every submission; work that overlapped on a stream goes to extra tracks. Flow
// events (s/f, bp "e", one id per pair) link each event record to the waits that
// consumed it. Times are µs since the trace's first record: integer ns / 1000, so
// a double keeps every ns exactly.
import { createWriteStream, type WriteStream } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { forEachChunk, num, rowsOf, str, toHandle } from '../ingest/db.js';
import { UserError } from '../util/errors.js';
import { ensureDir, isStdout } from '../util/output.js';
import { siteLabel } from '../analyze/finding.js';
import type { FindingLike } from '../report/findings.js';
import { ON_TIMELINE_SQL } from '../format/kinds.js';
import { analyzeTrace } from '../analyze/analyzeTrace.js';
import { memoryLimitBytes } from '../ingest/resources.js';

export interface ChromeExportStats {
  /** findings written as instant events */
  findings?: number;
  events: number;
  slices: number;
  flows: number;
  bytes: number;
}

interface Loaded {
  connection: DuckDBConnection;
}

/**
 * Writes text with backpressure: resolves once the stream can take more. A write
 * error (a full disk) rejects the pending and every later write as a UserError,
 * instead of leaving a wait for 'drain' that never comes.
 */
class Out {
  bytes = 0;
  private failed: Error | null = null;
  private onFail: ((e: Error) => void) | null = null;
  constructor(
    private readonly stream: WriteStream | NodeJS.WriteStream,
    name: string,
  ) {
    if (stream !== process.stdout) {
      stream.on('error', (e: NodeJS.ErrnoException) => {
        this.failed = new UserError(`${name}: cannot write (${e.code ?? e.message}); free space or give another output path`);
        this.onFail?.(this.failed);
      });
    }
  }
  async write(text: string): Promise<void> {
    if (this.failed) throw this.failed;
    this.bytes += Buffer.byteLength(text);
    if (!this.stream.write(text)) {
      await new Promise<void>((resolve, reject) => {
        this.onFail = reject;
        this.stream.once('drain', () => {
          this.onFail = null;
          resolve();
        });
      });
    }
  }
  async close(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.stream === process.stdout) return; // never end the process's stdout
    await new Promise<void>((resolve, reject) => {
      this.onFail = reject;
      this.stream.end(() => resolve());
    });
    if (this.failed) throw this.failed;
  }
}

const us = (ns: number) => ns / 1000;

/** One JSON object per line; `first` avoids a trailing comma in the array. */
class EventWriter {
  private first = true;
  count = 0;
  private buf: string[] = [];
  constructor(private readonly out: Out) {}
  push(ev: Record<string, unknown>): void {
    this.buf.push((this.first ? '\n' : ',\n') + JSON.stringify(ev));
    this.first = false;
    this.count++;
  }
  async flush(): Promise<void> {
    if (this.buf.length) {
      const text = this.buf.join('');
      this.buf = [];
      await this.out.write(text);
    }
  }
}

/** Flow ids of launch -> GPU arrows: the submit record's id above this offset (record -> wait flows count from 1). */
const LAUNCH_FLOW_ID0 = 1e12;

export interface ChromeExportOptions {
  /** Findings to add as instant events; when absent, `analyze` (default: analyzeTrace) computes them (`null`: none). */
  findings?: FindingLike[] | null;
  /** The shared analysis of the trace (TraceSession.findings). */
  analyze?: () => Promise<FindingLike[]>;
  /**
   * Most host rows DuckDB sorts at once (hostWindows), and most GPU completions it joins to
   * their submissions at once (corrRanges); default from its memory limit. Tests set it small.
   */
  windowRows?: number;
}

export async function exportChrome(loaded: Loaded, outPath: string, opts: ChromeExportOptions = {}): Promise<ChromeExportStats> {
  const conn = loaded.connection;
  const [o] = await rowsOf(conn, `SELECT CAST(min(ts) FILTER (WHERE ${ON_TIMELINE_SQL}) AS VARCHAR) AS origin FROM raw_events`);
  const origin = /^-?\d+$/.test(str(o.origin)) ? str(o.origin) : '0';
  const O = `CAST(${origin} AS BIGINT)`;
  // The submissions view joins every submit to its completions (a hash aggregate and a hash
  // join over all of them, 1.8 GB of RSS at 100 M events); it is read four times below, so it
  // is joined once, here, one range of correlation ids at a time (corrRanges).
  const windowRows = opts.windowRows ?? (await defaultWindowRows(conn));
  await conn.run(`CREATE OR REPLACE TEMP TABLE _chrome_subs AS SELECT ${SUBS_COLS} FROM submissions LIMIT 0`);
  for (const where of await corrRanges(conn, windowRows)) {
    await conn.run(`INSERT INTO _chrome_subs SELECT ${SUBS_COLS} FROM submissions${where ? ` WHERE ${where}` : ''}`);
  }
  const [e] = await rowsOf(
    conn,
    `SELECT greatest((SELECT max(ts) FROM raw_events WHERE ${ON_TIMELINE_SQL}),
      coalesce((SELECT max(gpu_end) FROM _chrome_subs), ${O})) AS last`,
  );
  const E = `CAST(${str(e.last) || origin} AS BIGINT)`;
  let hostPid = 1;
  let recorder = '';
  try {
    const meta = new Map(
      (await rowsOf(conn, `SELECT key, CAST(value AS VARCHAR) AS value FROM trace_meta`)).map((r) => [str(r.key), str(r.value)]),
    );
    hostPid = Number(meta.get('pid')) || 1;
    recorder = meta.get('recorder') ?? '';
  } catch {
    // trace_meta is optional
  }
  const gpuPid = hostPid === 0x7fff0001 ? 0x7fff0002 : 0x7fff0001;

  let stream: WriteStream | NodeJS.WriteStream;
  try {
    if (isStdout(outPath)) throw 'stdout';
    ensureDir(outPath);
    stream = createWriteStream(outPath);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (err) {
    if (err === 'stdout') stream = process.stdout;
    else if (err instanceof UserError) throw err;
    else throw new UserError(`${outPath}: cannot write (${(err as Error).message}); check the path is a writable file`);
  }
  const out = new Out(stream, outPath);
  const w = new EventWriter(out);
  await out.write(`{"displayTimeUnit":"ns","otherData":{"origin_ns":"${origin}","tool":"mpstrace"},"traceEvents":[`);

  w.push({
    ph: 'M',
    pid: hostPid,
    tid: 0,
    name: 'process_name',
    args: { name: `host (pid ${hostPid})${recorder ? ` · ${recorder}` : ''}` },
  });
  w.push({ ph: 'M', pid: hostPid, tid: 0, name: 'process_sort_index', args: { sort_index: 1 } });
  w.push({ ph: 'M', pid: gpuPid, tid: 0, name: 'process_name', args: { name: 'GPU streams' } });
  w.push({ ph: 'M', pid: gpuPid, tid: 0, name: 'process_sort_index', args: { sort_index: 0 } });
  for (const r of await rowsOf(conn, `SELECT CAST(tid AS VARCHAR) AS tid, name FROM threads ORDER BY first_ts, tid`)) {
    w.push({ ph: 'M', pid: hostPid, tid: num(r.tid), name: 'thread_name', args: { name: r.name ? str(r.name) : `thread ${str(r.tid)}` } });
  }

  // GPU tracks: per stream, intervals in start order; the first row whose work has ended takes the next one.
  const streamIdx = new Map<string, number>();
  for (const r of await rowsOf(conn, `SELECT CAST(stream AS VARCHAR) AS k FROM streams ORDER BY coalesce(created_ts, first_ts), stream`)) {
    streamIdx.set(str(r.k), streamIdx.size + 1);
  }
  const named = new Set<number>();
  const gpuTid = (key: string, row: number) => {
    let i = streamIdx.get(key);
    if (i === undefined) {
      i = streamIdx.size + 1;
      streamIdx.set(key, i);
    }
    const tid = i + row * 100000;
    if (!named.has(tid)) {
      named.add(tid);
      w.push({
        ph: 'M',
        pid: gpuPid,
        tid,
        name: 'thread_name',
        args: { name: `stream ${toHandle(key)}${row ? ` (overlap ${row})` : ''}` },
      });
      w.push({ ph: 'M', pid: gpuPid, tid, name: 'thread_sort_index', args: { sort_index: tid } });
    }
    return tid;
  };
  let slices = 0;
  let launchFlows = 0;
  let curStream = '';
  let ends: number[] = [];
  // One window of (stream, GPU start) at a time, like the host rows below (sortWindows).
  const gpuWindows = await sortWindows(conn, windowRows, {
    table: '_chrome_subs',
    key: 'stream',
    time: 'gpu_start',
    where: 'gpu_start IS NOT NULL',
  });
  for (const where of gpuWindows) {
    await forEachChunk(
      conn,
      `SELECT CAST(stream AS VARCHAR), CAST(gpu_start - ${O} AS DOUBLE), CAST(gpu_end - gpu_start AS DOUBLE),
        coalesce(name, what), what, corr, error, CAST(ts - ${O} AS DOUBLE), id, tid IS NOT NULL
        FROM _chrome_subs WHERE gpu_start IS NOT NULL${where ? ` AND ${where}` : ''}
        ORDER BY stream, gpu_start, gpu_end DESC`,
      async (c, n) => {
        for (let i = 0; i < n; i++) {
          const key = c[0][i] as string;
          if (key !== curStream) {
            curStream = key;
            ends = [];
          }
          const s = c[1][i] as number;
          const d = Math.max(0, c[2][i] as number);
          let row = ends.findIndex((end) => end <= s);
          if (row < 0) {
            ends.push(0);
            row = ends.length - 1;
          }
          ends[row] = s + d;
          const args: Record<string, unknown> = { corr: num(c[5][i]), submitted_us: us(c[7][i] as number) };
          if (num(c[6][i])) args.error = num(c[6][i]);
          const gtid = gpuTid(key, row);
          w.push({ ph: 'X', pid: gpuPid, tid: gtid, ts: us(s), dur: us(d), name: str(c[3][i]), cat: str(c[4][i]), args });
          slices++;
          // the end of the arrow from the host launch call (its 's' is on the launching thread)
          if (c[9][i]) {
            w.push({
              ph: 'f',
              bp: 'e',
              pid: gpuPid,
              tid: gtid,
              ts: us(s),
              name: 'launch',
              cat: 'launch_flow',
              id: LAUNCH_FLOW_ID0 + num(c[8][i]),
            });
            launchFlows++;
          }
        }
        await w.flush();
      },
    );
  }

  // Host tracks: everything of one thread in time order, parents before children.
  // An X slice that would not nest inside the open one becomes an async b/e pair.
  let curTid = '';
  let stack: number[] = [];
  let asyncId = 1;
  let flows = 0;
  // Built into a temporary table first (hostEventsSql), then read back sorted one window
  // of (thread, time) at a time (hostWindows): each window is one sort that fits in memory,
  // and the windows in order give the rows in the order of one sort of the whole table.
  for (const sql of hostEventsSql(E)) await conn.run(sql);
  await conn.run('DROP TABLE _chrome_subs');
  const windows = await hostWindows(conn, windowRows);
  for (const where of windows) {
    await forEachChunk(
      conn,
      `SELECT CAST(tid AS VARCHAR), CAST(ts - ${O} AS DOUBLE), CAST(dur AS DOUBLE), ph, name, cat, fid, args
      FROM _chrome_host${where ? ` WHERE ${where}` : ''} ORDER BY tid, ts, ord, dur DESC NULLS LAST, fid`,
      async (c, n) => {
        for (let i = 0; i < n; i++) {
          const tidKey = c[0][i] as string;
          if (tidKey !== curTid) {
            curTid = tidKey;
            stack = [];
          }
          const tid = num(tidKey);
          const ts = c[1][i] as number;
          const dur = c[2][i] as number | null;
          const ph = c[3][i] as string;
          const name = str(c[4][i]);
          const cat = str(c[5][i]);
          const args = c[7][i] === null ? undefined : (JSON.parse(c[7][i] as string) as Record<string, unknown>);
          if (ph === 'ls') {
            w.push({ ph: 's', pid: hostPid, tid, ts: us(ts), name: 'launch', cat: 'launch_flow', id: LAUNCH_FLOW_ID0 + num(c[6][i]) });
            continue;
          }
          if (ph === 's' || ph === 'f') {
            const ev: Record<string, unknown> = { ph, pid: hostPid, tid, ts: us(ts), name: 'event', cat: 'sync', id: num(c[6][i]) };
            if (ph === 'f') ev.bp = 'e';
            w.push(ev);
            if (ph === 's') flows++;
            continue;
          }
          if (ph === 'i') {
            w.push({ ph: 'i', s: 't', pid: hostPid, tid, ts: us(ts), name, cat });
            continue;
          }
          if (ph === 'span') {
            const id = asyncId++;
            w.push({ ph: 'b', pid: hostPid, tid, ts: us(ts), name, cat, id, args });
            w.push({ ph: 'e', pid: hostPid, tid, ts: us(ts + (dur ?? 0)), name, cat, id });
            continue;
          }
          const end = ts + (dur ?? 0);
          while (stack.length && stack[stack.length - 1] <= ts) stack.pop();
          if (stack.length && end > stack[stack.length - 1]) {
            const id = asyncId++;
            w.push({ ph: 'b', pid: hostPid, tid, ts: us(ts), name, cat, id, args });
            w.push({ ph: 'e', pid: hostPid, tid, ts: us(end), name, cat, id });
            continue;
          }
          stack.push(end);
          w.push({ ph: 'X', pid: hostPid, tid, ts: us(ts), dur: us(dur ?? 0), name, cat, ...(args ? { args } : {}) });
          slices++;
        }
        await w.flush();
      },
    );
  }
  const findings = await findingEvents(loaded, opts, origin, hostPid);
  for (const ev of findings) w.push(ev);
  await w.flush();
  for (const t of ['_chrome_host', '_chrome_flows', '_chrome_ranges']) await conn.run(`DROP TABLE ${t}`);
  await out.write('\n]}\n');
  await out.close();
  return { events: w.count, slices, flows: flows + launchFlows, bytes: out.bytes, findings: findings.filter((e) => e.ph === 'i').length };
}

/** The columns of the submissions view the export reads (into _chrome_subs). */
const SUBS_COLS = 'tid, ts, stream, corr, id, name, what, gpu_start, gpu_end, error';

/**
 * Splits the submissions by correlation id into ranges of at most about `maxRows`
 * completions each, where the ids allow: the bins are 1/65536 of the completions' id
 * span, never split. Returns each range's WHERE condition on `corr`, in order, that
 * together take every submission once: the first range is open below, the last open
 * above, and a last condition takes the submissions without an id (if the trace can
 * have any); '' alone is the
 * whole view (at most `maxRows` completions). DuckDB applies a range of the join key to
 * both sides of the view's join (the completions' aggregate and the submits), so each
 * step joins only its own range (at 30 M events, 1.2 M ids a step took 1.5 s and 160 MB,
 * all 9.6 M at once 9.4 s and 1,000 MB).
 */
export async function corrRanges(conn: DuckDBConnection, maxRows: number): Promise<string[]> {
  const [r] = await rowsOf(
    conn,
    'SELECT count(*) AS n, CAST(min(corr) AS VARCHAR) AS lo, CAST(max(corr) AS VARCHAR) AS hi FROM ev_complete WHERE corr <> 0',
  );
  if (num(r?.n) <= maxRows) return [''];
  const lo = BigInt(str(r!.lo));
  const width = (BigInt(str(r!.hi)) - lo + BigInt(HOST_BINS)) / BigInt(HOST_BINS);
  const bins = await rowsOf(
    conn,
    `SELECT (corr - ${lo}) // ${width} AS b, count(*) AS c FROM ev_complete WHERE corr <> 0 GROUP BY b ORDER BY b`,
  );
  const edges: bigint[] = [];
  let rows = 0;
  for (const b of bins) {
    const c = num(b.c);
    if (rows > 0 && rows + c > maxRows) {
      edges.push(lo + BigInt(str(b.b)) * width);
      rows = 0;
    }
    rows += c;
  }
  if (edges.length === 0) return [''];
  const out = [`corr < ${edges[0]}`];
  for (let i = 1; i < edges.length; i++) out.push(`corr >= ${edges[i - 1]} AND corr < ${edges[i]}`);
  out.push(`corr >= ${edges[edges.length - 1]}`);
  // A NULL id is not a range DuckDB can apply to the completions, so that step would join all
  // of them; it runs only where the trace can have one: a binary trace's payload words are never
  // NULL (the ids are bits of them), tables loaded from elsewhere might be.
  const [nulls] = await rowsOf(
    conn,
    'SELECT count(*) AS n FROM raw_events WHERE p0 IS NULL OR p1 IS NULL OR p2 IS NULL OR p3 IS NULL OR p4 IS NULL',
  );
  if (num(nulls?.n) > 0) out.push('corr IS NULL');
  return out;
}

/**
 * Host-side rows: tid, ts, dur, ph, name, cat, flow id, args (JSON text), ord; read back
 * ordered per thread by time, longer first, slices before flow endpoints. `ph` 'span' is
 * an async slice. Event record/wait calls are 1 ns slices so that flow endpoints have a
 * slice to bind to. Statements, run in order, that fill the temporary table _chrome_host:
 * one INSERT per kind of row (and the range pairs and flow pairs as tables of their own),
 * so that DuckDB spills each step under its memory limit; as one query (windows, an ASOF
 * join, CTEs used twice and a sort of the union) it ran out of memory on 10 M events.
 */
function hostEventsSql(E: string): string[] {
  const hex = (col: string) => `'0x' || lower(printf('%x', ${col}))`;
  const branches = [
    `SELECT tid, begin_ts AS ts, coalesce(end_ts, ${E}) - begin_ts AS dur, 'X' AS ph, coalesce(api, 'sync') AS name, 'sync' AS cat, NULL::BIGINT AS fid,
    json_object('scope', scope, 'target', ${hex('target')}, 'result', result, 'open', end_ts IS NULL)::VARCHAR AS args, 0 AS ord
  FROM host_syncs`,
    `SELECT tid, begin_ts, coalesce(end_ts, ${E}) - begin_ts, 'X', 'elapsedTime', 'elapsed', NULL,
    json_object('start_event', ${hex('start_event')}, 'end_event', ${hex('end_event')}, 'elapsed_ns', elapsed_ns, 'error', error, 'open', end_ts IS NULL)::VARCHAR, 0
  FROM elapsed_queries`,
    `SELECT tid, ts, coalesce(end_ts, ${E}) - ts, 'X', coalesce(name, 'range'), 'range', NULL,
    json_object('open', end_ts IS NULL)::VARCHAR, 0 FROM _chrome_ranges`,
    `SELECT tid, ts, 1, 'X', 'event record', 'event', NULL,
    json_object('event', ${hex('event')}, 'stream', ${hex('stream')})::VARCHAR, 0 FROM ev_event_record`,
    `SELECT tid, ts, 1, 'X', 'event wait', 'event', NULL,
    json_object('event', ${hex('event')}, 'stream', ${hex('stream')})::VARCHAR, 0 FROM ev_event_wait`,
    `SELECT tid, start_ts, coalesce(end_ts, ${E}) - start_ts, 'span', 'slot ' || slot, 'slot', NULL,
    json_object('stream', ${hex('stream')}, 'how', how, 'end_how', end_how, 'open', end_ts IS NULL)::VARCHAR, 0 FROM slot_spans`,
    `SELECT tid, ts, NULL, 'i', coalesce(name, 'marker'), 'marker', NULL, NULL, 0 FROM ev_marker`,
    `SELECT tid, ts, NULL, 'i', coalesce(name, what) || ' (no GPU completion recorded)', 'submit', NULL, NULL, 0
    FROM _chrome_subs WHERE gpu_start IS NULL`,
    `SELECT tid, ts, 1, 'X', CASE WHEN coalesce(name, what) LIKE what || '%' THEN coalesce(name, what) ELSE what || ' ' || name END, 'api', NULL,
    json_object('stream', ${hex('stream')}, 'corr', corr)::VARCHAR, 0 FROM _chrome_subs WHERE tid IS NOT NULL`,
    `SELECT tid, ts, NULL, 'ls', NULL, NULL, id, NULL, 1 FROM _chrome_subs WHERE tid IS NOT NULL AND gpu_start IS NOT NULL`,
    `SELECT rtid, rts, NULL, 's', NULL, NULL, fid, NULL, 1 FROM _chrome_flows`,
    `SELECT wtid, wts, NULL, 'f', NULL, NULL, fid, NULL, 1 FROM _chrome_flows`,
  ];
  return [
    `CREATE OR REPLACE TEMP TABLE _chrome_ranges AS
  WITH se AS (
    SELECT id, tid, ts, what, name, site,
      sum(CASE WHEN what = 'range_push' THEN 1 ELSE -1 END) OVER (PARTITION BY tid ORDER BY id ROWS UNBOUNDED PRECEDING) AS depth
    FROM intents WHERE what IN ('range_push', 'range_pop')
  ), lv AS (SELECT *, CASE WHEN what = 'range_push' THEN depth ELSE depth + 1 END AS level FROM se),
  pr AS (SELECT *, lead(what) OVER w AS next_what, lead(ts) OVER w AS next_ts FROM lv WINDOW w AS (PARTITION BY tid, level ORDER BY id))
  SELECT tid, ts, CASE WHEN next_what = 'range_pop' THEN next_ts END AS end_ts, name FROM pr WHERE what = 'range_push'`,
    `CREATE OR REPLACE TEMP TABLE _chrome_flows AS
  SELECT row_number() OVER (ORDER BY w.ts, r.ts, w.tid) AS fid, r.tid AS rtid, r.ts AS rts, w.tid AS wtid, w.ts AS wts
  FROM (SELECT tid, ts, event FROM ev_event_wait
        UNION ALL SELECT tid, begin_ts AS ts, target AS event FROM host_syncs WHERE scope = 'event') w
  ASOF JOIN (SELECT tid, ts, event FROM ev_event_record) r ON w.event = r.event AND w.ts >= r.ts`,
    'CREATE OR REPLACE TEMP TABLE _chrome_host (tid BIGINT, ts BIGINT, dur BIGINT, ph VARCHAR, name VARCHAR, cat VARCHAR, fid BIGINT, args VARCHAR, ord INTEGER)',
    ...branches.map((b) => `INSERT INTO _chrome_host ${b}`),
  ];
}

/** Bytes a host row takes in a window's sort, with headroom (most of a row is its args JSON text). */
const HOST_ROW_BYTES = 250;
/** Time bins of one thread's window plan: a thread's rows are split at bin edges only. */
const HOST_BINS = 65536;

/** Rows per window by default: a quarter of DuckDB's memory limit at HOST_ROW_BYTES a row. */
async function defaultWindowRows(conn: DuckDBConnection): Promise<number> {
  const [r] = await rowsOf(conn, "SELECT current_setting('memory_limit') AS m");
  return Math.max(50_000, Math.floor(memoryLimitBytes(str(r?.m) || '1GB') / 4 / HOST_ROW_BYTES));
}

/**
 * Splits _chrome_host into windows of at most `maxRows` rows where the trace
 * allows, in the read-back order (thread, then time): a window is either a run
 * of whole threads (`tid BETWEEN a AND b`) or a time range of one thread with
 * more rows than that, cut at the edges of 1/65536 of its own time span (a bin
 * is never split, so rows with the same thread and time are always in one
 * window). Returns each window's WHERE condition, in order; '' is the whole
 * table (a table of at most `maxRows` rows costs no extra query). Each
 * condition is on the tid and ts columns with constants, which DuckDB applies
 * in its scan, so a window's sort holds only its own rows (one sort of the
 * whole table, 107 M rows at 100 M events, spilled to disk, and reading it
 * back alone peaked at 1.9 GB of RSS).
 */
export async function hostWindows(conn: DuckDBConnection, maxRows: number): Promise<string[]> {
  return sortWindows(conn, maxRows, { table: '_chrome_host', key: 'tid', time: 'ts' });
}

/**
 * The same windows over any table read back `ORDER BY key, time, ...`: `key` and
 * `time` BIGINT columns, and `where` (when given) a condition every window adds
 * (the rows read back). Used for the GPU rows too: _chrome_subs by (stream, gpu_start).
 */
export async function sortWindows(
  conn: DuckDBConnection,
  maxRows: number,
  on: { table: string; key: string; time: string; where?: string },
): Promise<string[]> {
  const { table, key, time } = on;
  const and = on.where ? ` AND (${on.where})` : '';
  const threads = await rowsOf(
    conn,
    `SELECT CAST(${key} AS VARCHAR) AS tid, count(*) AS n, count(${time}) AS nts, CAST(min(${time}) AS VARCHAR) AS lo, CAST(max(${time}) AS VARCHAR) AS hi
      FROM ${table}${on.where ? ` WHERE ${on.where}` : ''} GROUP BY ${key} ORDER BY ${key}`,
  );
  const total = threads.reduce((a, r) => a + num(r.n), 0);
  if (total <= maxRows) return [''];
  const big = (v: string) => `CAST('${BigInt(v)}' AS BIGINT)`;
  const out: string[] = [];
  let group: { first: string; last: string; rows: number } | null = null;
  const flush = () => {
    if (group) out.push(`${key} BETWEEN ${big(group.first)} AND ${big(group.last)}`);
    group = null;
  };
  for (const r of threads) {
    const n = num(r.n);
    const tid = str(r.tid);
    if (tid === '') {
      // rows without a key sort last (NULLS LAST), in one window of their own
      flush();
      out.push(`${key} IS NULL`);
      continue;
    }
    if (n <= maxRows) {
      if (group && group.rows + n > maxRows) flush();
      if (group) {
        group.last = tid;
        group.rows += n;
      } else group = { first: tid, last: tid, rows: n };
      continue;
    }
    flush();
    const lo = BigInt(str(r.lo));
    const width = (BigInt(str(r.hi)) - lo + BigInt(HOST_BINS)) / BigInt(HOST_BINS);
    const bins = await rowsOf(
      conn,
      `SELECT (${time} - ${big(String(lo))}) // ${big(String(width))} AS b, count(*) AS c
        FROM ${table} WHERE ${key} = ${big(tid)} AND ${time} IS NOT NULL${and} GROUP BY b ORDER BY b`,
    );
    let start: bigint | null = null;
    let rows = 0;
    const cut = (hi: bigint | null) => {
      const range: string[] = [];
      if (start !== null) range.push(`${time} >= ${big(String(start))}`);
      if (hi !== null) range.push(`${time} < ${big(String(hi))}`);
      // rows of this key without a time sort after the others (NULLS LAST): in its last window
      else if (num(r.nts) < n && range.length) range[0] = `(${range[0]} OR ${time} IS NULL)`;
      out.push([`${key} = ${big(tid)}`, ...range].join(' AND '));
    };
    for (const b of bins) {
      const c = num(b.c);
      if (rows > 0 && rows + c > maxRows) {
        const at = lo + BigInt(str(b.b)) * width;
        cut(at);
        start = at;
        rows = 0;
      }
      rows += c;
    }
    cut(null);
  }
  flush();
  return out;
}

/** The host process's track that holds the findings (a pseudo thread id no OS hands out). */
const FINDINGS_TID = 0x7ffffff0;

/**
 * Findings of `mpstrace analyze` as instant events on their own track of the host
 * process ("findings"), in time order, with the rule, message, fix, threads,
 * streams and call sites as args. Context notes (info) are left out.
 */
async function findingEvents(
  loaded: Loaded,
  opts: ChromeExportOptions,
  origin: string,
  hostPid: number,
): Promise<Record<string, unknown>[]> {
  let findings: FindingLike[];
  if (opts.findings === null) return [];
  if (opts.findings) findings = opts.findings;
  else {
    try {
      findings = await (opts.analyze ? opts.analyze() : analyzeTrace(loaded));
    } catch {
      return []; // the export stands without findings; `mpstrace analyze` reports why it failed
    }
  }
  const O = BigInt(origin);
  const shown = findings.filter((f) => f.severity !== 'info').sort((a, b) => a.ts_ns - b.ts_ns);
  if (shown.length === 0) return [];
  const out: Record<string, unknown>[] = [
    { ph: 'M', pid: hostPid, tid: FINDINGS_TID, name: 'thread_name', args: { name: 'findings (mpstrace analyze)' } },
    { ph: 'M', pid: hostPid, tid: FINDINGS_TID, name: 'thread_sort_index', args: { sort_index: -1 } },
  ];
  for (const f of shown) {
    out.push({
      ph: 'i',
      s: 't',
      pid: hostPid,
      tid: FINDINGS_TID,
      ts: us(Number(BigInt(Math.round(f.ts_ns)) - O)),
      name: `${f.severity}: ${f.rule}/${f.kind ?? ''}`,
      cat: 'finding',
      args: {
        rule: f.rule,
        kind: f.kind,
        severity: f.severity,
        message: f.message,
        fix: f.fix ?? '',
        count: f.count ?? 1,
        threads: (f.threads ?? []).map((t) => t.tid),
        streams: f.streams ?? [],
        sites: (f.sites ?? []).map((x) => siteLabel(x)),
        evidence: (f.evidence ?? []).map((e) => `#${e.id} ${e.role} (${e.kind}, tid ${e.tid})`),
      },
    });
  }
  return out;
}
