/**
 * Worker side of startWorkerDecode and startWorkerSegments (see decode.ts). Batches:
 * decode straight into a packed buffer of the pool, transfer it, wait for a free one.
 * Segments: decode row groups into one reused batch and write them into Parquet segment
 * files (segments.ts), posting each finished one; stay at most `ahead` finished
 * segments ahead of the loader's inserts ('consumed' messages).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TraceReader, type EventBatch } from '../format/reader.js';
import { packedLayout, viewPacked } from './decode.js';
import { ROW_GROUP_ROWS, SegmentWriter } from './segments.js';

const { path, cap, pool, segments } = workerData as {
  path: string;
  cap: number;
  pool: number;
  segments?: { dir: string; groupsPerSegment: number; ahead: number };
};
const port = parentPort!;

function endMessage(reader: TraceReader) {
  const s = reader.stats;
  return {
    t: 'end',
    strings: [...reader.strings],
    warnings: reader.warnings,
    fileEndIntact: reader.fileEnd?.table != null,
    stats: { ...s, unknownKinds: [...s.unknownKinds], byKind: Array.from(s.byKind) },
  };
}

function errorMessage(e: unknown) {
  const x = e as NodeJS.ErrnoException;
  return { t: 'error', message: x?.message ?? String(e), stack: x?.stack, code: x?.code, syscall: x?.syscall, path: x?.path };
}

if (segments) runSegments(segments);
else runBatches();

function runSegments(opts: { dir: string; groupsPerSegment: number; ahead: number }): void {
  let reader: TraceReader;
  let it: Iterator<EventBatch>;
  let unconsumed = 0;
  let finished = false;
  const writer = new SegmentWriter(
    opts.dir,
    (s) => {
      unconsumed++;
      port.postMessage({ t: 'segment', file: s.file, rows: s.rows });
    },
    opts.groupsPerSegment,
  );
  try {
    reader = TraceReader.open(path);
    it = reader.batches(ROW_GROUP_ROWS);
  } catch (e) {
    port.postMessage({ t: 'error', message: (e as Error).message });
    process.exit(0);
  }
  const pump = () => {
    try {
      while (!finished && unconsumed <= opts.ahead) {
        const next = it.next();
        if (next.done) {
          finished = true;
          writer.finish();
          port.postMessage(endMessage(reader));
          reader.close();
          return;
        }
        writer.add(next.value);
      }
    } catch (e) {
      finished = true;
      writer.abort();
      port.postMessage(errorMessage(e));
    }
  };
  port.on('message', (m: { t: string }) => {
    if (m.t === 'consumed') {
      unconsumed--;
      pump();
    }
  });
  pump();
}

function runBatches(): void {
  const free: ArrayBuffer[] = Array.from({ length: pool }, () => new ArrayBuffer(packedLayout(cap).bytes));
  let reader: TraceReader;
  let it: Iterator<EventBatch>;
  try {
    reader = TraceReader.open(path);
    // The reader asks for the next buffer only when pump() resumes it, which it does with one free.
    it = reader.batches(cap, () => viewPacked(free.pop()!, cap, 0));
  } catch (e) {
    port.postMessage({ t: 'error', message: (e as Error).message });
    process.exit(0);
  }

  let finished = false;
  const pump = () => {
    try {
      while (!finished && free.length > 0) {
        const next = it.next();
        if (next.done) {
          finished = true;
          port.postMessage(endMessage(reader));
          reader.close();
          return;
        }
        const buf = next.value.id.buffer as ArrayBuffer;
        port.postMessage({ t: 'batch', count: next.value.count, buf }, [buf]);
      }
    } catch (e) {
      port.postMessage({ t: 'error', message: (e as Error).stack ?? String(e) });
    }
  };

  port.on('message', (m: { t: string; buf: ArrayBuffer }) => {
    if (m.t === 'free') {
      free.push(m.buf);
      pump();
    }
  });
  pump();
}
