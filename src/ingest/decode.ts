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
import { ROW_GROUP_ROWS, SEGMENT_ROW_GROUPS, SegmentWriter, type Segment } from './segments.js';

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

type WorkerMessage = {
  t: string;
  count?: number;
  buf?: ArrayBuffer;
  message?: string;
  stack?: string;
  code?: string;
  syscall?: string;
  path?: string;
  file?: string;
  rows?: number;
};

function summaryFromEnd(header: FileHeader, fileBytes: number, end: WorkerEnd): DecodeSummary {
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
}

/**
 * A failure of the worker as an Error: a system error (writing a segment: ENOSPC,
 * EACCES, ...) keeps its errno code, syscall and path, so the loader can say what to do.
 */
function workerError(m: WorkerMessage): Error {
  if (m.code) return Object.assign(new Error(m.message ?? 'write failed'), { code: m.code, syscall: m.syscall, path: m.path });
  return new Error(`decode worker: ${m.stack ?? m.message}`);
}

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
            else if (m.t === 'error') reject(workerError(m));
          };
          for (const m of early.splice(0)) handle(m);
        });
        return summaryFromEnd(header, fileBytes, end);
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
  /** Finished segments the decoder may keep ahead of the inserts (default 1: at most two files at a time). */
  ahead?: number;
}

/** A decode worker writing Parquet segments, started ahead of the inserts. */
export interface WorkerSegments {
  /**
   * Hands every finished segment to `onSegment` in order, one at a time (the next one
   * after the last one's promise settles; the caller inserts and deletes it); resolves
   * with the summary once all are taken, and ends the worker.
   */
  run(onSegment: (s: Segment) => Promise<void>): Promise<DecodeSummary>;
  stop(): Promise<void>;
}

/**
 * Starts decoding on a worker thread that writes the records as Parquet segment files
 * (segments.ts) into `opts.dir`, at most `ahead` finished segments ahead of run()'s
 * consumer. Like startWorkerDecode, `r` supplies the header and the worker opens the file.
 */
export function startWorkerSegments(r: TraceReader, opts: SegmentOptions): WorkerSegments {
  const { header, fileBytes, name: path } = r;
  const worker = new Worker(workerFile()!, {
    workerData: {
      path,
      cap: ROW_GROUP_ROWS,
      pool: 0,
      segments: { dir: opts.dir, groupsPerSegment: opts.groupsPerSegment ?? SEGMENT_ROW_GROUPS, ahead: opts.ahead ?? 1 },
    },
  });
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
    async run(onSegment) {
      try {
        const end = await new Promise<WorkerEnd>((resolve, reject) => {
          if (failure) {
            reject(failure);
            return;
          }
          let stopped = false;
          const stop = (e: unknown) => {
            stopped = true;
            reject(e);
          };
          failed = stop;
          // Messages are taken in order, each after the one before it is done.
          let chain = Promise.resolve();
          handle = (m) => {
            chain = chain.then(async () => {
              if (stopped) return;
              try {
                if (m.t === 'segment') {
                  await onSegment({ file: m.file!, rows: m.rows! });
                  if (!stopped) worker.postMessage({ t: 'consumed' });
                } else if (m.t === 'end') resolve(m as unknown as WorkerEnd);
                else if (m.t === 'error') stop(workerError(m));
              } catch (e) {
                stop(e);
              }
            });
          };
          for (const m of early.splice(0)) handle(m);
        });
        return summaryFromEnd(header, fileBytes, end);
      } finally {
        await worker.terminate();
      }
    },
    async stop() {
      await worker.terminate();
    },
  };
}

/**
 * startWorkerSegments on this thread (no overlap: each segment is inserted before the
 * next is decoded), for when no worker can run (the .ts sources under test).
 */
export async function decodeToSegments(
  r: TraceReader,
  opts: SegmentOptions,
  onSegment: (s: Segment) => Promise<void>,
): Promise<DecodeSummary> {
  const done: Segment[] = [];
  const writer = new SegmentWriter(opts.dir, (s) => done.push(s), opts.groupsPerSegment ?? SEGMENT_ROW_GROUPS);
  try {
    for (const b of r.batches(ROW_GROUP_ROWS)) {
      writer.add(b);
      for (const s of done.splice(0)) await onSegment(s);
    }
    writer.finish();
    for (const s of done.splice(0)) await onSegment(s);
  } catch (e) {
    writer.abort();
    throw e;
  }
  return summaryOf(r);
}
