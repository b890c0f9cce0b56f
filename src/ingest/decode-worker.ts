/**
 * Worker side of startWorkerDecode (see decode.ts): decode straight into a packed buffer
 * of the pool, transfer it, wait for a free one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TraceReader, type EventBatch } from '../format/reader.js';
import { packedLayout, viewPacked } from './decode.js';

const { path, cap, pool } = workerData as { path: string; cap: number; pool: number };
const port = parentPort!;
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
function pump(): void {
  try {
    while (!finished && free.length > 0) {
      const next = it.next();
      if (next.done) {
        finished = true;
        const s = reader.stats;
        port.postMessage({
          t: 'end',
          strings: [...reader.strings],
          warnings: reader.warnings,
          fileEndIntact: reader.fileEnd?.table != null,
          stats: { ...s, unknownKinds: [...s.unknownKinds], byKind: Array.from(s.byKind) },
        });
        reader.close();
        return;
      }
      const buf = next.value.id.buffer as ArrayBuffer;
      port.postMessage({ t: 'batch', count: next.value.count, buf }, [buf]);
    }
  } catch (e) {
    port.postMessage({ t: 'error', message: (e as Error).stack ?? String(e) });
  }
}

port.on('message', (m: { t: string; buf: ArrayBuffer }) => {
  if (m.t === 'free') {
    free.push(m.buf);
    pump();
  }
});
pump();
