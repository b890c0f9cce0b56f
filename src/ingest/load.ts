/**
 * Loads a trace into DuckDB: decodes the binary file in bounded batches and either
 * appends them column by column through the C API's data-chunk appender (the
 * per-value appender is about 10x slower; one thread) or, for a large trace loaded
 * into a database file, writes them as Parquet segment files that DuckDB inserts on
 * all its threads (segments.ts); then creates the generated ev_<kind>
 * views and the derived views of derived.sql. A loaded trace can be saved as a
 * .duckdb file (opened directly later) or as a Parquet directory.
 */
import { closeSync, existsSync, fdatasync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { describeError, firstLine, isErrno, UserError } from '../util/errors.js';
import { progress } from '../util/progress.js';
import { statInput } from '../util/files.js';
import { traceContentKey } from './cacheKey.js';
import { VERSION } from '../version.js';
import { TraceReader, DEFAULT_BATCH_ROWS, type EventBatch, type TraceWarning } from '../format/reader.js';
import { canDecodeInWorker, decodeHere, decodeToSegments, startWorkerDecode, type DecodeSummary, type WorkerDecode } from './decode.js';
import type { Segment } from './segments.js';
import { CONTAINER, FLAGS, FORMAT_VERSION } from '../format/kinds.js';
import { captureFacts, captureWarning } from './capture.js';
import { demangleStrings } from './demangle.js';
import { bindSchema } from '../format/bindSchema.js';
import { sqlString } from './db.js';
import { duckDbResources, memoryLimit, memoryLimitBytes, tempRoot } from './resources.js';

export type { TraceWarning };

export interface TraceInfo {
  /** The trace (or cache) path that was opened. */
  path: string;
  /** The binary trace the data came from. */
  source: string;
  fileBytes: number;
  formatVersion: string;
  backend: string;
  clock: string;
  pid: number;
  ppid: number;
  synthetic: boolean;
  closedCleanly: boolean;
  /** Rows in raw_events (string records are in `strings`, not counted here). */
  events: number;
  strings: number;
  chunks: number;
  badRecords: number;
  badChunks: number;
  unknownRecords: number;
  /** Records lost to damage the reader could count (the file end's table, skipped chunks). */
  recordsMissing?: number;
  /** Format 2: whether the file end was there and intact (format 1 has none: undefined). */
  fileEnd?: boolean;
  t0Ns: string;
  realtimeNs: string;
  /** True when the data came from a saved .duckdb / Parquet cache. */
  fromCache: boolean;
  loadMs: number;
}

export interface LoadedTrace {
  connection: DuckDBConnection;
  instance: DuckDBInstance;
  info: TraceInfo;
  warnings: TraceWarning[];
  close(): void;
}

export interface OpenTraceOptions {
  /**
   * Cache the loaded trace: a `.duckdb` path (or `true` or '' for `<trace>.duckdb`). A
   * cache saved from the same content (traceContentKey) by this version is opened
   * instead of decoding again; any other cache is replaced. Saving is atomic (a
   * temporary file renamed into place), so concurrent runs never see a partial cache,
   * and a cache that cannot be saved is a note on stderr, not an error.
   */
  cache?: string | boolean;
  /** Progress on stderr; default: MPSTRACE_PROGRESS, else whether stderr is a terminal (util/progress.ts). */
  progress?: boolean;
  /** Records per decode/append batch (bounds peak memory). */
  batchRows?: number;
  /** Records between two starts of the database file's write-back (FileWriteback; default 2^20). */
  writebackRows?: number;
  /** Row groups per Parquet segment when loading through segments (segments.ts; default SEGMENT_ROW_GROUPS). */
  segmentRowGroups?: number;
}

const SETTINGS = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' };

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('mpstrace: cannot find the package root (package.json)');
    dir = up;
  }
  return dir;
}

let sqlCache: { views: string; derived: string } | undefined;
function schemaSql(): { views: string; derived: string } {
  if (!sqlCache) {
    const dir = path.join(packageRoot(), 'src', 'ingest');
    sqlCache = {
      views: readFileSync(path.join(dir, 'views.generated.sql'), 'utf8'),
      derived: bindSchema(readFileSync(path.join(dir, 'derived.sql'), 'utf8'), 'src/ingest/derived.sql'),
    };
  }
  return sqlCache;
}

/** The raw bindings connection behind a node-api connection (for the data-chunk appender). */
function rawConnection(conn: DuckDBConnection): duckdb.Connection {
  const raw = (conn as unknown as { connection?: duckdb.Connection }).connection;
  if (!raw) throw new Error('mpstrace: @duckdb/node-api no longer exposes .connection; update src/ingest/load.ts');
  return raw;
}

const RAW_TYPES = [
  duckdb.Type.BIGINT,
  duckdb.Type.BIGINT,
  duckdb.Type.BIGINT,
  duckdb.Type.UTINYINT,
  duckdb.Type.UINTEGER,
  duckdb.Type.BIGINT,
  duckdb.Type.BIGINT,
  duckdb.Type.BIGINT,
  duckdb.Type.BIGINT,
  duckdb.Type.BIGINT,
];
const VECTOR_ROWS = 2048;

/** Appends decoded batches to raw_events through data chunks filled by memcpy. */
class RawEventAppender {
  private readonly appender: duckdb.Appender;
  private readonly chunk: duckdb.DataChunk;
  private readonly vectors: duckdb.Vector[];

  constructor(conn: DuckDBConnection) {
    this.appender = duckdb.appender_create(rawConnection(conn), null, 'raw_events');
    this.chunk = duckdb.create_data_chunk(RAW_TYPES.map((t) => duckdb.create_logical_type(t)));
    this.vectors = RAW_TYPES.map((_, i) => duckdb.data_chunk_get_vector(this.chunk, i));
  }

  append(b: EventBatch): void {
    const cols: ArrayBufferView[] = [b.id, b.ts, b.tid, b.kind, b.site, ...b.p];
    const widths = [8, 8, 8, 1, 4, 8, 8, 8, 8, 8];
    for (let off = 0; off < b.count; off += VECTOR_ROWS) {
      const n = Math.min(VECTOR_ROWS, b.count - off);
      for (let c = 0; c < cols.length; c++) {
        const col = cols[c]!;
        const w = widths[c]!;
        duckdb.copy_data_to_vector(this.vectors[c]!, 0, col.buffer as ArrayBuffer, col.byteOffset + off * w, n * w);
      }
      duckdb.data_chunk_set_size(this.chunk, n);
      duckdb.append_data_chunk(this.appender, this.chunk);
    }
  }

  close(): void {
    duckdb.appender_close_sync(this.appender);
  }
}

/**
 * Starts the kernel's write-back of the database file while the appends go on. DuckDB
 * writes compressed row groups to the file as they fill (optimistic writes) and
 * fsyncs it at COMMIT; without this, every page it wrote is still dirty then (the
 * kernel's own write-back starts at 10% of RAM), and the load waits for the disk to
 * take them all: 0.2-1.4 s at 10 M events on the shared VM. Each fdatasync here runs on
 * libuv's thread pool (not on the appending thread), at most one at a time, so the
 * disk takes the pages while DuckDB compresses the next ones. Errors are ignored: it
 * is only a head start for the COMMIT's own fsync, which still decides durability.
 */
class FileWriteback {
  private fd: number | undefined;
  private inFlight: Promise<void> | undefined;
  private next: number;

  constructor(
    file: string,
    private readonly everyRows: number,
  ) {
    try {
      this.fd = openSync(file, 'r');
    } catch {
      this.fd = undefined;
    }
    this.next = everyRows;
  }

  /** Called with the rows appended so far. */
  progress(rows: number): void {
    if (this.fd === undefined || this.inFlight || rows < this.next) return;
    this.next = rows + this.everyRows;
    const fd = this.fd;
    this.inFlight = new Promise((resolve) =>
      fdatasync(fd, () => {
        this.inFlight = undefined;
        resolve();
      }),
    );
  }

  /** Waits for the write-back in flight (its fd must stay open until then) and closes the file. */
  async close(): Promise<void> {
    await this.inFlight;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Rows between two write-back starts (about 14 MB of the database file: 10 M synthetic events take 134 MiB). */
const WRITEBACK_ROWS = 1 << 20;

/** Progress by records decoded against the file size (about 32 bytes per record). */
function loadProgress(enabled: boolean | undefined, fileBytes: number): { update(rows: number): void; end(): void } {
  const line = progress({ enabled });
  return {
    update(rows) {
      const pct = Math.min(99, Math.floor((rows * 3200) / Math.max(1, fileBytes)));
      line.update(`loading trace ${pct}% (${(rows / 1e6).toFixed(1)} M records)`);
    },
    end: () => line.end(),
  };
}

/**
 * A database with a memory limit and its own spill directory (see resources.ts),
 * a connection on it, and the function that closes both and removes the directory.
 */
async function openDatabase(
  file: string | ((spillDir: string) => string),
  extra: Record<string, string> = {},
): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection; file: string; close: () => void }> {
  const res = duckDbResources({ ...SETTINGS, ...extra });
  let instance: DuckDBInstance | undefined;
  try {
    const dbFile = typeof file === 'string' ? file : file(res.spillDir);
    instance = await DuckDBInstance.create(dbFile, res.settings);
    const connection = await instance.connect();
    const inst = instance;
    return {
      instance: inst,
      connection,
      file: dbFile,
      close: () => {
        connection.closeSync();
        inst.closeSync();
        res.release();
      },
    };
  } catch (e) {
    instance?.closeSync();
    res.release();
    throw e;
  }
}

function isDuckDbFile(p: string): boolean {
  return /\.duckdb$/i.test(p);
}

/** Tables a Parquet save holds (views are re-created from the SQL files on open). */
const SAVED_TABLES = ['raw_events', 'strings', 'trace_meta', 'trace_warnings'];

function isParquetExport(p: string): boolean {
  try {
    // Looks inside `p` only: a trace file is not statted here (its reader does that once).
    return SAVED_TABLES.every((t) => existsSync(path.join(p, `${t}.parquet`)));
  } catch {
    return false;
  }
}

/** Opens a binary trace, a saved `.duckdb` cache or a saved Parquet directory. */
export async function openTrace(tracePath: string, opts: OpenTraceOptions = {}): Promise<LoadedTrace> {
  // FIFOs, sockets and devices are refused before anything opens them (an open could block).
  const st = statInput(tracePath);
  if (isDuckDbFile(tracePath)) return openSaved(tracePath, tracePath);
  if (st?.isDirectory() && isParquetExport(tracePath)) return openParquetExport(tracePath);
  const cache = cachePathFor(tracePath, opts.cache);
  if (!cache) return loadBinary(tracePath, opts);
  // The header is validated before the key is taken: a bad trace fails with the reader's message.
  const probe = TraceReader.open(tracePath);
  const { headerBytes, chunkBytes } = probe.header;
  probe.close();
  const key = traceContentKey(tracePath, headerBytes, chunkBytes);
  const hit = await openCacheFor(cache, key, tracePath);
  if (hit) return hit;
  const loaded = await loadBinary(tracePath, opts, key);
  try {
    await saveDuckDb(loaded, cache);
  } catch (e) {
    process.stderr.write(`mpstrace: note: could not save the cache ${cache} (${describeError(e).message}); going on without it\n`);
  }
  return loaded;
}

/**
 * Where a binary trace is decoded to: in memory while its table fits well inside the
 * memory limit (fastest), else a database file in the spill directory. DuckDB holds
 * in-memory tables uncompressed (about 70 bytes a record, 7 GB for 100 M) and spills them
 * as they are; a file is compressed as it is appended (about a third of that) and is
 * read back through the same bounded buffer pool. MPSTRACE_DB=memory|file overrides.
 */
export function loadTarget(fileBytes: number, env: NodeJS.ProcessEnv = process.env): string | ((spillDir: string) => string) {
  const onDisk = (dir: string) => path.join(dir, 'trace.duckdb');
  if (env.MPSTRACE_DB === 'memory') return ':memory:';
  if (env.MPSTRACE_DB === 'file') return onDisk;
  const tableBytes = (fileBytes / 31) * RAW_ROW_BYTES;
  return tableBytes > memoryLimitBytes(memoryLimit(env)) / 4 ? onDisk : ':memory:';
}

/** DuckDB's in-memory bytes per raw_events row (ten columns, validity masks, row ids). */
const RAW_ROW_BYTES = 72;

/** The cache file for `--cache [file]`, or null without one. */
function cachePathFor(tracePath: string, cache: string | boolean | undefined): string | null {
  if (cache === undefined || cache === false) return null;
  const file = cache === true || cache === '' ? `${tracePath}.duckdb` : cache;
  if (!isDuckDbFile(file))
    throw new UserError(
      `--cache ${file}: a cache is a .duckdb file; give a name ending in .duckdb, or --cache alone for ${tracePath}.duckdb`,
    );
  if (path.resolve(file) === path.resolve(tracePath))
    throw new UserError(`--cache ${file}: is the trace itself; give another .duckdb file`);
  return file;
}

/**
 * Opens `cache` when it was saved from this trace content by this version; null when it
 * is missing, from other content or damaged (a damaged one gets a note: it is replaced).
 */
async function openCacheFor(cache: string, key: string, tracePath: string): Promise<LoadedTrace | null> {
  if (!existsSync(cache)) return null;
  const started = Date.now();
  let db: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    if (!statSync(cache).isFile()) throw new UserError(`${cache}: is not a regular file; give another --cache file`);
    db = await openDatabase(cache, { access_mode: 'READ_ONLY' });
    const { info, warnings, meta } = await readMeta(db.connection, cache);
    if (meta.get('source_key') !== key || meta.get('loaded_by') !== `mpstrace ${VERSION}`) {
      db.close();
      return null;
    }
    return {
      connection: db.connection,
      instance: db.instance,
      info: { ...info, path: tracePath, fromCache: true, loadMs: Date.now() - started },
      warnings,
      close: db.close,
    };
  } catch (e) {
    if (e instanceof UserError && /is not a regular file/.test(e.message)) throw e;
    db?.close();
    process.stderr.write(
      `mpstrace: note: the cache ${cache} cannot be used (${firstLine(e)}); decoding the trace again and replacing it\n`,
    );
    return null;
  }
}

/**
 * How raw_events is filled: 'appender' (the data-chunk appender, one thread) or
 * 'parquet' (the decoder writes Parquet segments that DuckDB inserts on all its threads,
 * keeping their order; segments.ts). MPSTRACE_INGEST=appender|parquet overrides the choice
 * by size.
 */
export function ingestMode(
  fileBytes: number,
  target: string | ((spillDir: string) => string),
  env: NodeJS.ProcessEnv = process.env,
): 'appender' | 'parquet' {
  if (env.MPSTRACE_INGEST === 'appender' || env.MPSTRACE_INGEST === 'parquet') return env.MPSTRACE_INGEST;
  return target !== ':memory:' && fileBytes >= PARQUET_MIN_BYTES ? 'parquet' : 'appender';
}

/** Traces from this size on (about 1 M records) load through Parquet segments when they go to a database file. */
const PARQUET_MIN_BYTES = 32 << 20;

/** A private directory for the Parquet segments, or undefined when none can be made there (the appender is used). */
function makeSegmentDir(): string | undefined {
  try {
    return mkdtempSync(path.join(tempRoot(), 'mpstrace-ingest-'));
  } catch {
    return undefined;
  }
}

/** A failure to write or read a segment, as one line that says where and what to do. */
function segmentError(e: unknown, dir: string): unknown {
  if (e instanceof UserError) return e;
  if (isErrno(e))
    return new UserError(
      `cannot write the load's temporary Parquet segments in ${path.dirname(dir)} (${e.message}); free space there or set MPSTRACE_TMPDIR to a directory with room (or MPSTRACE_INGEST=appender)`,
    );
  const first = firstLine(e);
  if (first.includes(dir))
    return new UserError(
      `cannot read the load's temporary Parquet segment (${first}); check ${path.dirname(dir)} (MPSTRACE_TMPDIR), or set MPSTRACE_INGEST=appender`,
    );
  return e;
}

async function loadBinary(tracePath: string, opts: OpenTraceOptions, contentKey = ''): Promise<LoadedTrace> {
  const started = Date.now();
  const sql = schemaSql();
  // The one reader of this trace: it validates the header before DuckDB starts (bad
  // input fails fast and clearly) and is handed to the decoder.
  const reader = TraceReader.open(tracePath);
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  const target = loadTarget(reader.fileBytes);
  // Parquet segments need a directory; without one (unwritable temp root) the appender is used.
  const segDir = ingestMode(reader.fileBytes, target) === 'parquet' ? makeSegmentDir() : undefined;
  const removeSegments = () => {
    if (segDir) rmSync(segDir, { recursive: true, force: true });
  };
  // A worker pays off only when decoding takes longer than starting it. It starts
  // before DuckDB opens, so its first batches are ready when the appends begin.
  const useWorker = canDecodeInWorker() && (process.env.MPSTRACE_DECODE_THREAD === '1' || reader.fileBytes > 16 << 20);
  // (Parquet segments are decoded on this thread, beside DuckDB's inserts: decodeToSegments.)
  let worker: WorkerDecode | undefined = useWorker && !segDir ? startWorkerDecode(reader, batchRows) : undefined;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let close: () => void;
  let dbFile: string;
  try {
    ({ instance, connection, close, file: dbFile } = await openDatabase(target));
  } catch (e) {
    reader.close();
    await worker?.stop();
    removeSegments();
    throw e;
  }
  let decoding: Promise<DecodeSummary> | undefined;
  let prepared: Promise<unknown> | undefined;
  let onRows = (_rows: number): void => {};
  if (segDir) {
    // The table is made (one transaction from CREATE TABLE to the last insert, see below)
    // while this thread decodes the first segment. The inserts run on all of DuckDB's
    // threads and must keep the segments' row order (DuckDB's default, made explicit).
    prepared = connection.run(`SET preserve_insertion_order = true; BEGIN TRANSACTION; ${sql.views}`);
    prepared.catch(() => {}); // awaited below
    let rows = 0;
    // Each finished segment is inserted, in order, and deleted.
    const insert = async (seg: Segment) => {
      await prepared;
      await connection.run(`INSERT INTO raw_events SELECT * FROM read_parquet(${sqlString(seg.file)})`);
      rmSync(seg.file, { force: true });
      rows += seg.rows;
      onRows(rows);
    };
    decoding = decodeToSegments(reader, { dir: segDir, groupsPerSegment: opts.segmentRowGroups }, insert);
    decoding.catch(() => {}); // awaited below
  }
  try {
    let threads: unknown;
    if (prepared) await prepared;
    else {
      // One transaction from CREATE TABLE to the last append: DuckDB then keeps the
      // appended row groups as they are at commit (about 10% less memory).
      // The appender runs on this thread alone; DuckDB's other threads only cost CPU
      // while it appends (polling for tasks), CPU the decoder needs. Restored after COMMIT.
      threads = (await connection.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjects()[0]!.t;
      await connection.run('SET threads = 1');
      await connection.run('BEGIN TRANSACTION');
      await connection.run(sql.views);
    }
    const progress = loadProgress(opts.progress, reader.fileBytes);
    const writeback = dbFile === ':memory:' ? undefined : new FileWriteback(dbFile, opts.writebackRows ?? WRITEBACK_ROWS);
    onRows = (rows) => {
      progress.update(rows);
      writeback?.progress(rows);
    };
    let d: DecodeSummary;
    if (segDir && decoding) {
      try {
        d = await decoding;
      } catch (e) {
        throw segmentError(e, segDir);
      } finally {
        reader.close();
        progress.end();
        await writeback?.close();
        removeSegments();
      }
    } else {
      let rows = 0;
      const appender = new RawEventAppender(connection);
      const onBatch = (batch: EventBatch) => {
        appender.append(batch);
        rows += batch.count;
        onRows(rows);
      };
      try {
        const w = worker;
        worker = undefined; // run() ends it
        d = w ? await w.run(onBatch) : decodeHere(reader, batchRows, onBatch);
      } finally {
        reader.close();
        appender.close();
        progress.end();
        await writeback?.close();
      }
    }
    await connection.run('COMMIT');
    if (threads !== undefined) await connection.run(`SET threads = ${Number(threads)}`);
    await appendStrings(connection, d.strings);
    const demangleWarning = await demangleStrings(connection);
    await connection.run(sql.derived);
    const s = d.stats;
    const h = d.header;
    const info: TraceInfo = {
      path: tracePath,
      source: path.resolve(tracePath),
      fileBytes: d.fileBytes,
      formatVersion: `${h.major}.${h.minor}`,
      backend: h.backend,
      clock: h.clock,
      pid: h.pid,
      ppid: h.ppid,
      synthetic: h.synthetic,
      closedCleanly: h.closedCleanly,
      events: s.records,
      strings: s.strings,
      chunks: s.chunks,
      badRecords: s.badRecords,
      badChunks: s.badChunks,
      unknownRecords: [...s.unknownKinds.values()].reduce((a, b) => a + b, 0),
      recordsMissing: s.recordsMissing,
      ...(h.major >= CONTAINER.crcFromMajor ? { fileEnd: d.fileEndIntact } : {}),
      t0Ns: h.t0Ns.toString(),
      realtimeNs: h.realtimeNs.toString(),
      fromCache: false,
      loadMs: 0,
    };
    const warnings = [...d.warnings];
    if (demangleWarning) warnings.push(demangleWarning);
    const silent = captureWarning(await captureFacts(connection, s.byKind), h.backend, h.synthetic);
    if (silent) warnings.push(silent);
    await writeMeta(connection, info, warnings, reader.mtimeMs, contentKey);
    info.loadMs = Date.now() - started;
    return { connection, instance, info, warnings, close };
  } catch (e) {
    await decoding?.catch(() => {});
    reader.close();
    await worker?.stop();
    removeSegments();
    close();
    throw e;
  }
}

async function appendStrings(conn: DuckDBConnection, strings: Map<number, string>): Promise<void> {
  const app = await conn.createAppender('strings');
  for (const [id, text] of strings) {
    app.appendUInteger(id);
    app.appendVarchar(text);
    app.endRow();
  }
  app.closeSync();
}

/** trace_meta(key, value) and trace_warnings(code, message, offset), stored so caches keep them. */
async function writeMeta(
  conn: DuckDBConnection,
  info: TraceInfo,
  warnings: TraceWarning[],
  sourceMtimeMs: number,
  contentKey: string,
): Promise<void> {
  const mtimeMs = Math.floor(sourceMtimeMs);
  await conn.run('CREATE TABLE trace_meta (key VARCHAR, value VARCHAR)');
  await conn.run('CREATE TABLE trace_warnings (code VARCHAR, message VARCHAR, "offset" BIGINT)');
  const ps = await conn.runAndReadAll(`SELECT flags, recorder FROM ev_process_start ORDER BY id LIMIT 1`);
  const row = ps.getRowObjects()[0];
  const processFlags = row ? Number(row.flags) : 0;
  const rows: [string, string][] = [
    ['format_version', info.formatVersion],
    ['reader_format_version', `${FORMAT_VERSION.major}.${FORMAT_VERSION.minor}`],
    ['backend', info.backend],
    ['clock', info.clock],
    ['pid', String(info.pid)],
    ['ppid', String(info.ppid)],
    ['recorder', row?.recorder == null ? '' : String(row.recorder)],
    ['synthetic', String(info.synthetic || (processFlags & FLAGS.process.synthetic) !== 0)],
    ['closed_cleanly', String(info.closedCleanly)],
    ['process_flags', String(processFlags)],
    ['cupti_completions', String((processFlags & FLAGS.process.cupti_completions) !== 0)],
    ['driver_api_covered', String((processFlags & FLAGS.process.driver_api_covered) !== 0)],
    ['completions_sampled', String((processFlags & FLAGS.process.completions_sampled) !== 0)],
    ['t0_ns', info.t0Ns],
    ['realtime_ns', info.realtimeNs],
    ['source_path', info.source],
    ['source_bytes', String(info.fileBytes)],
    ['source_mtime_ms', String(mtimeMs)],
    ['source_key', contentKey],
    ['loaded_by', `mpstrace ${VERSION}`],
    ['info_json', JSON.stringify(info)],
  ];
  const meta = await conn.createAppender('trace_meta');
  for (const [k, v] of rows) {
    meta.appendVarchar(k);
    meta.appendVarchar(v);
    meta.endRow();
  }
  meta.closeSync();
  const w = await conn.createAppender('trace_warnings');
  for (const x of warnings) {
    w.appendVarchar(x.code);
    w.appendVarchar(x.message);
    if (x.offset === undefined) w.appendNull();
    else w.appendBigInt(BigInt(x.offset));
    w.endRow();
  }
  w.closeSync();
}

async function readMeta(
  conn: DuckDBConnection,
  where: string,
): Promise<{ info: TraceInfo; warnings: TraceWarning[]; meta: Map<string, string> }> {
  let meta: Map<string, string>;
  let warnings: TraceWarning[];
  try {
    const m = await conn.runAndReadAll('SELECT key, value FROM trace_meta');
    meta = new Map(m.getRowObjects().map((r) => [String(r.key), String(r.value)]));
    const w = await conn.runAndReadAll('SELECT code, message, "offset" FROM trace_warnings');
    warnings = w
      .getRowObjects()
      .map((r) =>
        r.offset == null
          ? { code: String(r.code), message: String(r.message) }
          : { code: String(r.code), message: String(r.message), offset: Number(r.offset) },
      );
  } catch {
    throw new UserError(`${where}: this database was not written by mpstrace (no trace_meta table); open the .mpst trace instead`);
  }
  const json = meta.get('info_json');
  if (!json) throw new UserError(`${where}: trace_meta has no info_json; re-create the cache from the .mpst trace`);
  return { info: JSON.parse(json) as TraceInfo, warnings, meta };
}

async function openSaved(dbPath: string, shownPath: string): Promise<LoadedTrace> {
  if (!existsSync(dbPath)) throw new UserError(`${dbPath}: no such file; give a .mpst trace or a .duckdb file saved by mpstrace`);
  const started = Date.now();
  let opened: Awaited<ReturnType<typeof openDatabase>>;
  try {
    opened = await openDatabase(dbPath, { access_mode: 'READ_ONLY' });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(
      `${dbPath}: cannot open as a DuckDB database (${(e as Error).message.split('\n')[0]}); give a .mpst trace or a .duckdb file saved by mpstrace`,
    );
  }
  const { instance, connection, close } = opened;
  try {
    const { info, warnings } = await readMeta(connection, dbPath);
    return { connection, instance, info: { ...info, path: shownPath, fromCache: true, loadMs: Date.now() - started }, warnings, close };
  } catch (e) {
    close();
    throw e;
  }
}

async function openParquetExport(dir: string): Promise<LoadedTrace> {
  const started = Date.now();
  const { instance, connection, close } = await openDatabase(':memory:');
  try {
    const sql = schemaSql();
    await connection.run(sql.views);
    const file = (t: string) => sqlString(path.join(dir, `${t}.parquet`));
    await connection.run(`INSERT INTO raw_events SELECT * FROM read_parquet(${file('raw_events')})`);
    await connection.run('ALTER TABLE strings ADD COLUMN mangled VARCHAR');
    await connection.run(`INSERT INTO strings BY NAME SELECT * FROM read_parquet(${file('strings')})`);
    const demangleWarning = await demangleStrings(connection);
    await connection.run(`CREATE TABLE trace_meta AS SELECT * FROM read_parquet(${file('trace_meta')})`);
    await connection.run(`CREATE TABLE trace_warnings AS SELECT * FROM read_parquet(${file('trace_warnings')})`);
    await connection.run(sql.derived);
    const { info, warnings } = await readMeta(connection, dir);
    if (demangleWarning && !warnings.some((w) => w.code === demangleWarning.code)) warnings.push(demangleWarning);
    return { connection, instance, info: { ...info, path: dir, fromCache: true, loadMs: Date.now() - started }, warnings, close };
  } catch (e) {
    close();
    if (e instanceof UserError) throw e;
    throw new UserError(
      `${dir}: cannot read the saved Parquet trace (${(e as Error).message.split('\n')[0]}); save it again from the .mpst trace`,
    );
  }
}

/**
 * Saves a loaded trace: `<file>.duckdb` (a database that openTrace opens directly)
 * or any other path as a directory of Parquet files, one per table (views are
 * re-created when it is opened).
 */
export async function saveTrace(t: LoadedTrace, out: string): Promise<void> {
  const c = t.connection;
  if (isDuckDbFile(out)) return saveDuckDb(t, out);
  if (existsSync(out)) {
    if (!statSync(out).isDirectory())
      throw new UserError(`${out}: exists and is not a directory; a Parquet save needs a new or empty directory (or use a .duckdb path)`);
    rmSync(out, { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
  for (const t of SAVED_TABLES) {
    await c.run(`COPY (SELECT * FROM ${t}) TO ${sqlString(path.join(out, `${t}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);
  }
}

/**
 * Writes the loaded trace to a temporary database next to `out` and renames it into
 * place: readers of `out` (other runs with the same --cache) see the old file or the
 * new one, never a partial one, and no DuckDB lock is ever held on `out` itself.
 */
async function saveDuckDb(t: LoadedTrace, out: string): Promise<void> {
  const c = t.connection;
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  if (existsSync(out) && !statSync(out).isFile())
    throw new UserError(`${out}: exists and is not a regular file; give another .duckdb path`);
  const tmp = `${out}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const alias = `mpst_save_${randomBytes(4).toString('hex')}`;
  try {
    await c.run(`ATTACH ${sqlString(tmp)} AS ${alias}`);
    try {
      const db = (await c.runAndReadAll('SELECT current_database() AS d')).getRowObjects()[0]!.d as string;
      await c.run(`COPY FROM DATABASE "${db.replace(/"/g, '""')}" TO ${alias}`);
    } finally {
      await c.run(`DETACH ${alias}`);
    }
    // DETACH checkpointed everything into tmp: a write-ahead log left by an older writer must not replay onto it.
    rmSync(`${out}.wal`, { force: true });
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.wal`, { force: true });
  }
}
