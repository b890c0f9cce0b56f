/**
 * What the detectors' fixture cases are made of (`src/detectors/<rule>/cases.ts`):
 * small traces written with the TS writer, one per rule and sub-case (positive)
 * plus clean twins (negative). Times are ns; each builder is deterministic, so
 * the expected findings next to it (`<rule>/fixtures/<case>.expected.json`) are
 * stable. test/detectors-fixtures.test.ts runs every case through its rule.
 */
import { TraceWriter, type BackendName } from '../format/writer.js';

export interface DetectorCase {
  rule: string;
  name: string;
  /** Sub-cases that must appear (positive) — empty for a negative case. */
  expectKinds: string[];
  build(): TraceWriter;
}

/** Nanoseconds per millisecond and per microsecond. */
export const MS = 1_000_000;
export const US = 1_000;
/** Three stream handles. */
export const A = 0x100;
export const B = 0x200;
export const C = 0x300;

/** A trace with process_start, a named main thread (tid 1) and helpers. */
export class T {
  readonly w: TraceWriter;
  private corr = 0;
  constructor(backend: BackendName = 'cuda') {
    this.w = new TraceWriter({ backend, synthetic: false });
    this.w.record(1, 'process_start', 0, { pid: 4242, ppid: 1, backend, clock: 'monotonic', recorder: 'fixture 1' });
    this.w.record(1, 'thread_name', 0, { name: 'main' });
  }
  site(symbol: string, module = '/usr/lib/libtorch_cuda.so', addr = 0x1000): number {
    return this.w.callsite(symbol, module, addr);
  }
  rec(tid: number, kind: string, ts: number, fields: Record<string, number | string> = {}, site = 0): this {
    this.w.record(tid, kind, ts, fields, site);
    return this;
  }
  /** A kernel on `stream` submitted at `ts`, running on the GPU from `start` for `dur` ns. */
  kernel(tid: number, stream: number, ts: number, start: number, dur: number, name = 'k'): this {
    const corr = ++this.corr;
    this.rec(tid, 'submit', ts, { stream, name, corr });
    this.rec(tid, 'complete', start, { corr, dur_ns: dur });
    return this;
  }
  sync(tid: number, scope: string, target: number, begin: number, end: number | null, api: string, site = 0): this {
    this.rec(tid, 'sync_begin', begin, { target, scope, api }, site);
    if (end !== null) this.rec(tid, 'sync_end', end, { target, scope, api }, site);
    return this;
  }
  end(ts: number): TraceWriter {
    this.rec(1, 'process_end', ts, { status: 0, reason: 'exit' });
    return this.w;
  }
}
