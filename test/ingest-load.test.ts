import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TraceWriter } from '../src/format/writer.js';
import { readTrace, TraceReader } from '../src/format/reader.js';
import { packedLayout, viewPacked } from '../src/ingest/decode.js';
import { openTrace, saveTrace, type LoadedTrace } from '../src/ingest/load.js';
import { synthesize } from '../src/synth/generate.js';
import { UserError } from '../src/util/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mpst-ingest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function q(t: LoadedTrace, sql: string): Promise<Record<string, unknown>[]> {
  const r = await t.connection.runAndReadAll(sql);
  return r.getRowObjectsJS() as Record<string, unknown>[];
}

/** A small trace that exercises every derived view, with known answers. */
function scenario(): string {
  const w = new TraceWriter({ backend: 'cuda', chunkBytes: 4096, pid: 321 });
  const site = w.callsite('at::cuda::getStreamFromPool', 'libc10_cuda.so', 0x1000, 8);
  w.record(1, 'process_start', 1, { pid: 321, backend: 'cuda', recorder: 'mpstrace-cuda 0.1.0', flags: 0b110 });
  w.record(1, 'thread_name', 2, { name: 'main' });
  w.record(2, 'thread_name', 3, { name: 'old' });
  w.record(2, 'thread_name', 4, { name: 'worker' });
  w.record(1, 'stream_create', 5, { stream: 0xa0 });
  // Nested syncs on thread 1, then one that never returns (a hang).
  w.record(1, 'sync_begin', 10, { target: 0, scope: 'device', api: 'cudaDeviceSynchronize' });
  w.record(1, 'sync_begin', 11, { target: 0xa0, scope: 'stream', api: 'cudaStreamSynchronize' });
  w.record(1, 'sync_end', 15, { target: 0xa0, scope: 'stream', api: 'cudaStreamSynchronize', result: 0 });
  w.record(1, 'sync_end', 20, { target: 0, scope: 'device', api: 'cudaDeviceSynchronize', result: 3 });
  w.record(1, 'sync_begin', 90, { target: 7, scope: 'event', api: 'cudaEventSynchronize' });
  // Submissions: one completed with an error, one never completed, a memcpy completed.
  w.record(2, 'submit', 30, { stream: 0xa0, name: 'gemm', corr: 1 }, site);
  w.record(2, 'submit', 31, { stream: 0xb0, name: 'relu', corr: 2 });
  w.record(2, 'memcpy', 32, { dst: 1, src: 2, bytes: 64, stream: 0xa0, corr: 3, dir: 'd2h' });
  w.record(9, 'complete', 40, { corr: 1, error: 700, dur_ns: 5 });
  w.record(9, 'complete', 41, { corr: 3, error: 0, dur_ns: 2 });
  // Slots: released, released at thread exit, leaked, set_current replaced.
  w.record(2, 'slot_acquire', 50, { stream: 0xa0, slot: 1, source: 'api' });
  w.record(2, 'slot_release', 51, { stream: 0xa0, slot: 1, source: 'api' });
  w.record(3, 'slot_acquire', 52, { stream: 0xb0, slot: 2, source: 'api' });
  w.record(3, 'slot_release', 53, { stream: 0xb0, slot: 2, at_thread_exit: true, source: 'api' });
  w.record(3, 'thread_exit', 54);
  w.record(4, 'slot_acquire', 55, { stream: 0xc0, slot: 3, source: 'annotation' });
  w.record(4, 'slot_set_current', 56, { stream: 0xa0, slot: 1, prev_slot: 3, source: 'annotation' });
  w.record(4, 'slot_set_current', 57, { stream: 0xb0, slot: 2, prev_slot: 1, source: 'annotation' });
  // Event handle 0xe1 reused after destroy; 0xe9 used but created before recording.
  w.record(2, 'event_create', 60, { event: 0xe1, timing: true });
  w.record(2, 'event_destroy', 61, { event: 0xe1 });
  w.record(2, 'event_create', 62, { event: 0xe1, timing: false });
  w.record(2, 'event_record', 63, { event: 0xe9, stream: 0xa0 });
  w.record(2, 'elapsed_begin', 70, { start_event: 0xe1, end_event: 0xe9 });
  w.record(2, 'elapsed_end', 71, { start_event: 0xe1, end_event: 0xe9, elapsed_ns: 1234, error: 0 });
  w.record(2, 'elapsed_begin', 72, { start_event: 0xe1, end_event: 0xe9 });
  w.record(2, 'cb_create', 80, { cb: 0xcb, stream: 0xa0, corr: 5 });
  w.record(2, 'cb_dealloc', 81, { cb: 0xcb, corr: 5 });
  w.record(2, 'object_create', 82, { obj: 0x0b, owner: 0xa0, bytes: 100, type: 'encoder' });
  w.record(2, 'records_lost', 83, { count: 17, since_ts: 80 });
  w.record(2, 'intent_record', 84, { event: 0xe9, stream: 0xb0 });
  const f = path.join(dir, 'scenario.mpst');
  w.writeFile(f);
  return f;
}

describe('openTrace', () => {
  const file = scenario();

  it('loads raw events, strings and metadata', async () => {
    const t = await openTrace(file);
    try {
      expect(t.warnings).toEqual([]);
      expect(t.info).toMatchObject({ backend: 'cuda', formatVersion: '2.0', events: 36, fromCache: false, synthetic: false });
      expect(await q(t, 'SELECT count(*) AS n FROM raw_events')).toEqual([{ n: 36n }]);
      const meta = Object.fromEntries((await q(t, 'SELECT key, value FROM trace_meta')).map((r) => [r.key, r.value]));
      expect(meta).toMatchObject({
        backend: 'cuda',
        recorder: 'mpstrace-cuda 0.1.0',
        pid: '321',
        cupti_completions: 'true',
        driver_api_covered: 'true',
        synthetic: 'false',
      });
      expect(await q(t, 'SELECT symbol, module, addr FROM callsites')).toEqual([
        { symbol: 'at::cuda::getStreamFromPool', module: 'libc10_cuda.so', addr: 0x1000n },
      ]);
      expect((await q(t, 'SELECT DISTINCT kind_name FROM events ORDER BY 1')).length).toBeGreaterThan(15);
    } finally {
      t.close();
    }
  });

  it('pairs host syncs by nesting and leaves a hung call open', async () => {
    const t = await openTrace(file);
    try {
      const rows = await q(t, 'SELECT api, scope, begin_ts, end_ts, dur_ns, result FROM host_syncs ORDER BY begin_ts');
      expect(rows).toEqual([
        { api: 'cudaDeviceSynchronize', scope: 'device', begin_ts: 10n, end_ts: 20n, dur_ns: 10n, result: 3n },
        { api: 'cudaStreamSynchronize', scope: 'stream', begin_ts: 11n, end_ts: 15n, dur_ns: 4n, result: 0n },
        { api: 'cudaEventSynchronize', scope: 'event', begin_ts: 90n, end_ts: null, dur_ns: null, result: null },
      ]);
      expect(await q(t, 'SELECT begin_ts, end_ts, elapsed_ns FROM elapsed_queries ORDER BY begin_ts')).toEqual([
        { begin_ts: 70n, end_ts: 71n, elapsed_ns: 1234n },
        { begin_ts: 72n, end_ts: null, elapsed_ns: null },
      ]);
    } finally {
      t.close();
    }
  });

  it('joins submissions to completions and lists streams and threads', async () => {
    const t = await openTrace(file);
    try {
      expect(await q(t, 'SELECT corr, what, name, gpu_start, gpu_end, error FROM submissions ORDER BY corr')).toEqual([
        { corr: 1n, what: 'launch', name: 'gemm', gpu_start: 40n, gpu_end: 45n, error: 700n },
        { corr: 2n, what: 'launch', name: 'relu', gpu_start: null, gpu_end: null, error: null },
        { corr: 3n, what: 'memcpy', name: 'memcpy d2h', gpu_start: 41n, gpu_end: 43n, error: 0n },
      ]);
      const streams = await q(t, 'SELECT stream, created_ts, n_submits FROM streams ORDER BY stream');
      expect(streams.find((s) => s.stream === 0xa0n)).toEqual({ stream: 0xa0n, created_ts: 5n, n_submits: 2n });
      expect(streams.find((s) => s.stream === 0xb0n)).toMatchObject({ created_ts: null, n_submits: 1n });
      const threads = await q(t, 'SELECT tid, name, exited FROM threads ORDER BY tid');
      expect(threads.filter((r) => r.tid === 2n || r.tid === 3n)).toEqual([
        { tid: 2n, name: 'worker', exited: false },
        { tid: 3n, name: null, exited: true },
      ]);
    } finally {
      t.close();
    }
  });

  it('builds slot spans, event and object lifetimes, intents', async () => {
    const t = await openTrace(file);
    try {
      expect(await q(t, 'SELECT slot, tid, how, start_ts, end_ts, end_how FROM slot_spans ORDER BY start_ts')).toEqual([
        { slot: 1n, tid: 2n, how: 'acquire', start_ts: 50n, end_ts: 51n, end_how: 'release' },
        { slot: 2n, tid: 3n, how: 'acquire', start_ts: 52n, end_ts: 53n, end_how: 'thread_exit' },
        { slot: 3n, tid: 4n, how: 'acquire', start_ts: 55n, end_ts: null, end_how: null },
        { slot: 1n, tid: 4n, how: 'set_current', start_ts: 56n, end_ts: 57n, end_how: 'replaced' },
        { slot: 2n, tid: 4n, how: 'set_current', start_ts: 57n, end_ts: null, end_how: null },
      ]);
      expect(await q(t, 'SELECT event, created_ts, destroyed_ts, timing FROM gpu_events ORDER BY event, created_ts')).toEqual([
        { event: 0xe1n, created_ts: 60n, destroyed_ts: 61n, timing: 1n },
        { event: 0xe1n, created_ts: 62n, destroyed_ts: null, timing: 0n },
        { event: 0xe9n, created_ts: null, destroyed_ts: null, timing: null },
      ]);
      expect(await q(t, 'SELECT obj, type, create_ts, destroy_ts FROM objects ORDER BY obj')).toEqual([
        { obj: 0x0bn, type: 'encoder', create_ts: 82n, destroy_ts: null },
        { obj: 0xcbn, type: 'command_buffer', create_ts: 80n, destroy_ts: 81n },
      ]);
      expect(await q(t, 'SELECT what, event, stream FROM intents')).toEqual([{ what: 'record', event: 0xe9n, stream: 0xb0n }]);
    } finally {
      t.close();
    }
  });

  it('appends every record across batch and vector boundaries exactly', async () => {
    const { writer } = synthesize({ events: 20_000, seed: 7, threads: 3, streams: 2 });
    const f = path.join(dir, 'synth.mpst');
    writer.writeFile(f);
    const ref = readTrace(f);
    const t = await openTrace(f, { batchRows: 3000 });
    try {
      expect(t.info.events).toBe(20_000);
      const [agg] = await q(
        t,
        'SELECT count(*) AS n, sum(id) AS sid, sum(ts) AS sts, sum(tid) AS stid, sum(kind) AS sk, sum(site) AS ss, sum(p0) AS s0, sum(p1) AS s1, sum(p2) AS s2, sum(p3) AS s3, sum(p4) AS s4 FROM raw_events',
      );
      const sum = (f: (r: (typeof ref.records)[number]) => bigint) => ref.records.reduce((a, r) => a + f(r), 0n);
      expect(agg).toEqual({
        n: 20000n,
        sid: sum((r) => r.id),
        sts: sum((r) => r.ts),
        stid: sum((r) => r.tid),
        sk: sum((r) => BigInt(r.kind)),
        ss: sum((r) => BigInt(r.site)),
        s0: sum((r) => r.p[0]!),
        s1: sum((r) => r.p[1]!),
        s2: sum((r) => r.p[2]!),
        s3: sum((r) => r.p[3]!),
        s4: sum((r) => r.p[4]!),
      });
      const last = ref.records[ref.records.length - 1]!;
      expect(await q(t, `SELECT ts, tid, kind, p0, p1 FROM raw_events WHERE id = ${last.id}`)).toEqual([
        { ts: last.ts, tid: last.tid, kind: last.kind, p0: last.p[0], p1: last.p[1] },
      ]);
    } finally {
      t.close();
    }
  });

  it("decodes into the caller's buffers, one per batch, never writing a yielded one again", () => {
    // The decode worker hands each yielded batch's buffer to the main thread.
    const { writer } = synthesize({ events: 5_000, seed: 3, threads: 2, streams: 2 });
    const f = path.join(dir, 'batches.mpst');
    writer.writeFile(f);
    const ref = readTrace(f);
    const cap = 704;
    const r = TraceReader.open(f);
    const kept: { count: number; buf: ArrayBuffer; copy: Uint8Array }[] = [];
    try {
      for (const b of r.batches(cap, () => viewPacked(new ArrayBuffer(packedLayout(cap).bytes), cap, 0))) {
        const buf = b.id.buffer as ArrayBuffer;
        expect(kept.some((k) => k.buf === buf)).toBe(false);
        kept.push({ count: b.count, buf, copy: new Uint8Array(buf.slice(0)) });
      }
    } finally {
      r.close();
    }
    expect(kept.length).toBe(Math.ceil(5_000 / cap));
    const rows: typeof ref.records = [];
    for (const k of kept) {
      expect(new Uint8Array(k.buf)).toEqual(k.copy);
      const b = viewPacked(k.buf, cap, k.count);
      for (let i = 0; i < b.count; i++)
        rows.push({ id: b.id[i]!, ts: b.ts[i]!, tid: b.tid[i]!, kind: b.kind[i]!, site: b.site[i]!, p: b.p.map((c) => c[i]!) });
    }
    expect(rows).toEqual(ref.records);
  });

  it('limits the first batch to firstCapacity rows and fills the others to capacity, the same rows in order', () => {
    const { writer } = synthesize({ events: 5_000, seed: 5, threads: 3, streams: 2 });
    const f = path.join(dir, 'first-batch.mpst');
    writer.writeFile(f);
    const ref = readTrace(f);
    const r = TraceReader.open(f);
    const counts: number[] = [];
    const rows: typeof ref.records = [];
    try {
      for (const b of r.batches(1024, undefined, 100)) {
        counts.push(b.count);
        for (let i = 0; i < b.count; i++)
          rows.push({ id: b.id[i]!, ts: b.ts[i]!, tid: b.tid[i]!, kind: b.kind[i]!, site: b.site[i]!, p: b.p.map((c) => c[i]!) });
      }
    } finally {
      r.close();
    }
    const n = ref.records.length;
    expect(counts[0]).toBe(100);
    expect(counts.slice(1, -1).every((c) => c === 1024)).toBe(true);
    expect(counts.reduce((a, c) => a + c, 0)).toBe(n);
    expect(counts.length).toBe(1 + Math.ceil((n - 100) / 1024));
    expect(rows).toEqual(ref.records);
  });

  it('saves to .duckdb and Parquet and reopens them without decoding', async () => {
    const t = await openTrace(file);
    const db = path.join(dir, 'saved.duckdb');
    const pq = path.join(dir, 'saved-parquet');
    try {
      await saveTrace(t, db);
      await saveTrace(t, pq);
    } finally {
      t.close();
    }
    for (const p of [db, pq]) {
      const s = await openTrace(p);
      try {
        expect(s.info.fromCache).toBe(true);
        expect(s.info.events).toBe(36);
        expect(await q(s, 'SELECT count(*) AS n FROM host_syncs')).toEqual([{ n: 3n }]);
        expect(await q(s, 'SELECT name FROM submissions WHERE corr = 1')).toEqual([{ name: 'gemm' }]);
      } finally {
        s.close();
      }
    }
  });

  it('reuses a matching cache and rebuilds a stale one', async () => {
    const f = path.join(dir, 'cached.mpst');
    const w = new TraceWriter({ backend: 'none', chunkBytes: 4096 });
    w.record(1, 'marker', 1, { name: 'a' });
    w.writeFile(f);
    const cache = path.join(dir, 'cached.duckdb');
    const a = await openTrace(f, { cache });
    a.close();
    expect(a.info.fromCache).toBe(false);
    const b = await openTrace(f, { cache });
    b.close();
    expect(b.info.fromCache).toBe(true);
    w.record(1, 'marker', 2, { name: 'b' });
    w.writeFile(f);
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    const c = await openTrace(f, { cache });
    try {
      expect(c.info.fromCache).toBe(false);
      expect(c.info.events).toBe(2);
    } finally {
      c.close();
    }
  });

  it('rejects a .duckdb that mpstrace did not write', async () => {
    const other = path.join(dir, 'other.duckdb');
    writeFileSync(other, 'not a database');
    await expect(openTrace(other)).rejects.toBeInstanceOf(UserError);
  });
});
