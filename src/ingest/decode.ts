/**
 * Decoding for the loader, either on this thread or, when running from the
 * compiled package, on a worker thread so decoding overlaps DuckDB's appends
 * (the two dominate ingest time; a 2-core machine runs them side by side).
 * Batches travel as one packed, transferred ArrayBuffer and come back for reuse,
 * so memory stays bounded by a small pool of batches.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TraceReader, EventBatch, FileHeader, ReadStats, TraceWarning } from '../format/reader.js';
import { FIRST_BATCH_ROWS, ROW_GROUP_ROWS, SEGMENT_ROW_GROUPS, SegmentWriter, type Segment } from './segments.js';

export interface DecodeSummary {
  header: FileHeader;
  fileBytes: number;
  strings: Map<number, string>;
  stats: ReadStats;
  warnings: TraceWarning[];
  /** The file end (format 2) was there with an intact chunk table. */
  fileEndIntact: boolean;
}

/** Column byte layout of a packed batch of `cap` rows (cap a multiple of 8). */
export function packedLayout(cap: number) {
  const o = {
    id: 0,
    ts: 8 * cap,
    tid: 16 * cap,
    p: [24 * cap, 32 * cap, 40 * cap, 48 * cap, 56 * cap],
    site: 64 * cap,
    kind: 68 * cap,
    bytes: 69 * cap,
  };
  return o;
}

export function viewPacked(buf: ArrayBuffer, cap: number, count: number): EventBatch {
  const l = packedLayout(cap);
  const b = (off: number) => new BigInt64Array(buf, off, cap);
  return {
    count,
    id: b(l.id),
    ts: b(l.ts),
    tid: b(l.tid),
    p: [b(l.p[0]!), b(l.p[1]!), b(l.p[2]!), b(l.p[3]!), b(l.p[4]!)],
    site: new Uint32Array(buf, l.site, cap),
    kind: new Uint8Array(buf, l.kind, cap),
  };
}

function summaryOf(r: TraceReader): DecodeSummary {
  return {
    header: r.header,
    fileBytes: r.fileBytes,
    strings: r.strings,
    stats: r.stats,
    warnings: r.warnings,
    fileEndIntact: r.fileEnd?.table != null,
  };
}

/** Decodes with `r` (opened by the caller, who closes it) on this thread, handing each batch to `onBatch`. */
export function decodeHere(r: TraceReader, batchRows: number, onBatch: (b: EventBatch) => void): DecodeSummary {
  for (const b of r.batches(batchRows)) onBatch(b);
  return summaryOf(r);
}

/** The compiled worker next to this module, when we run from dist/ (a .ts source cannot be a worker). */
function workerFile(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.js')) return undefined;
  const f = here.replace(/decode\.js$/, 'decode-worker.js');
  return existsSync(f) ? f : undefined;
}

/** MPSTRACE_DECODE_THREAD=0 never uses the worker, =1 always (when compiled); else by trace size. */
export function canDecodeInWorker(): boolean {
  return workerFile() !== undefined && process.env.MPSTRACE_DECODE_THREAD !== '0';
}

interface WorkerEnd {
  t: 'end';
  strings: [number, string][];
  stats: Omit<ReadStats, 'unknownKinds' | 'byKind'> & { unknownKinds: [number, number][]; byKind: number[] };
  warnings: TraceWarning[];
  fileEndIntact: boolean;
}

type WorkerMessage = { t: string; count?: number; buf?: ArrayBuffer; message?: string };

/** A decode worker started ahead of the appends (it decodes its first batches while DuckDB opens). */
export interface WorkerDecode {
  /** Hands every batch to `onBatch` in order (those decoded already first); resolves with the summary and ends the worker. */
  run(onBatch: (b: EventBatch) => void): Promise<DecodeSummary>;
  /** Ends the worker without taking its batches (the load failed elsewhere). */
  stop(): Promise<void>;
}

/**
 * Starts decoding on a worker thread. `r` (opened and validated by the caller, who
 * closes it) supplies the header; the worker opens the file for itself, since
 * a file descriptor's reads cannot be shared across threads. Until run() is called
 * the worker fills its pool of buffers and waits.
 */
export function startWorkerDecode(r: TraceReader, batchRows: number): WorkerDecode {
  const { header, fileBytes, name: path } = r;
  const cap = Math.max(8, Math.ceil(batchRows / 8) * 8);
  const worker = new Worker(workerFile()!, { workerData: { path, cap, pool: 3 } });
  const early: WorkerMessage[] = [];
  let handle: ((m: WorkerMessage) => void) | undefined;
  let failure: Error | undefined;
  let failed: ((e: Error) => void) | undefined;
  const fail = (e: Error) => {
    if (failed) failed(e);
    else failure ??= e;
  };
  worker.on('message', (m: WorkerMessage) => (handle ? handle(m) : early.push(m)));
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`decode worker exited with code ${code} before finishing`)));
  return {
    async run(onBatch) {
      try {
        const end = await new Promise<WorkerEnd>((resolve, reject) => {
          if (failure) {
            reject(failure);
            return;
          }
          failed = reject;
          handle = (m) => {
            if (m.t === 'batch') {
              try {
                onBatch(viewPacked(m.buf!, cap, m.count!));
              } catch (e) {
                reject(e);
                return;
              }
              worker.postMessage({ t: 'free', buf: m.buf }, [m.buf!]);
            } else if (m.t === 'end') resolve(m as unknown as WorkerEnd);
            else if (m.t === 'error') reject(new Error(`decode worker: ${m.message}`));
          };
          for (const m of early.splice(0)) handle(m);
        });
        const byKind = new Float64Array(256);
        end.stats.byKind.forEach((v, i) => {
          byKind[i] = v;
        });
        return {
          header,
          fileBytes,
          strings: new Map(end.strings),
          warnings: end.warnings,
          fileEndIntact: end.fileEndIntact,
          stats: { ...end.stats, unknownKinds: new Map(end.stats.unknownKinds), byKind },
        };
      } finally {
        await worker.terminate();
      }
    },
    async stop() {
      await worker.terminate();
    },
  };
}

/** Options of the Parquet segment ingest (segments.ts). */
export interface SegmentOptions {
  /** A private directory for the segment files (the caller makes and removes it). */
  dir: string;
  /** Row groups of ROW_GROUP_ROWS per segment (default SEGMENT_ROW_GROUPS). */
  groupsPerSegment?: number;
}

/**
 * Decodes with `r` (opened by the caller, who closes it) into Parquet segment files
 * (segments.ts) in `opts.dir`, handing each finished one to `onSegment` (which inserts
 * and deletes it). This thread decodes and writes the next segment while DuckDB inserts
 * the one before on its own threads, and waits for that insert only when the next
 * segment is done, so at most two segment files exist at a time; it gives the event loop
 * a turn after every row group, so an insert that ended is followed by the next at once
 * when that one is ready. The first batch is short (FIRST_BATCH_ROWS). (A decode worker
 * writing the segments was slower: 2.4-2.5 s against 2.3 s at 10 M events, 0.2-0.4 CPU-s
 * more, its thread competing with DuckDB's two.)
 */
export async function decodeToSegments(
  r: TraceReader,
  opts: SegmentOptions,
  onSegment: (s: Segment) => Promise<void>,
): Promise<DecodeSummary> {
  const done: Segment[] = [];
  const writer = new SegmentWriter(opts.dir, (s) => done.push(s), opts.groupsPerSegment ?? SEGMENT_ROW_GROUPS);
  let inserting: Promise<void> | undefined;
  const hand = async () => {
    for (const s of done.splice(0)) {
      await inserting;
      inserting = onSegment(s);
      // a failed insert stops the load at the next segment (or at the end), not as an unhandled rejection
      inserting.catch(() => {});
    }
  };
  try {
    for (const b of r.batches(ROW_GROUP_ROWS, undefined, FIRST_BATCH_ROWS)) {
      writer.add(b);
      if (done.length > 0) await hand();
      // A turn of the event loop after each row group (about 10 ms): DuckDB's completions
      // (the steps of its opening, an insert that ended) are taken within it, not a segment later.
      await new Promise(setImmediate);
    }
    writer.finish();
    await hand();
    await inserting;
  } catch (e) {
    writer.abort();
    await inserting?.catch(() => {});
    throw e;
  }
  return summaryOf(r);
}
