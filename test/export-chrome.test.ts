// Chrome trace-event export, checked against the format's rules: valid JSON, X slices
// nested per track, timestamps monotone per track, async b/e and flow s/f paired.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTrace } from '../src/ingest/load.js';
import { corrRanges, exportChrome, hostWindows, sortWindows } from '../src/export/chrome.js';
import { synthesize } from '../src/synth/generate.js';
import { TraceWriter } from '../src/format/writer.js';
import { KIND_BY_NAME } from '../src/format/kinds.js';
import { knownTrace, HOSTILE } from './report-fixture.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mpst-chrome-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Ev = {
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  name: string;
  cat?: string;
  id?: number;
  bp?: string;
  args?: Record<string, unknown>;
};

async function exportOf(w: TraceWriter, name: string): Promise<{ events: Ev[]; stats: Awaited<ReturnType<typeof exportChrome>> }> {
  const trace = path.join(dir, `${name}.mpst`);
  const out = path.join(dir, `${name}.json`);
  w.writeFile(trace);
  const t = await openTrace(trace);
  try {
    const stats = await exportChrome(t, out);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.displayTimeUnit).toBe('ns');
    return { events: json.traceEvents as Ev[], stats };
  } finally {
    t.close();
  }
}

/** The trace-event format's structural rules; returns the problems found (none expected). */
function problems(events: Ev[]): string[] {
  const out: string[] = [];
  const lastTs = new Map<string, number>();
  const stacks = new Map<string, number[]>();
  const asyncOpen = new Map<string, number>();
  const flows = new Map<number, { s: number; f: number; sTs: number; fTs: number }>();
  for (const e of events) {
    if (typeof e.ph !== 'string' || !Number.isInteger(e.pid) || !Number.isInteger(e.tid)) {
      out.push(`bad ids ${JSON.stringify(e)}`);
      continue;
    }
    if (e.ph === 'M') continue;
    if (!Number.isFinite(e.ts) || e.ts < 0) out.push(`bad ts ${JSON.stringify(e)}`);
    // µs with ns kept exactly: ts * 1000 is an integer
    if (Math.abs(e.ts * 1000 - Math.round(e.ts * 1000)) > 1e-6) out.push(`ts not ns-exact ${e.ts}`);
    const track = `${e.pid}/${e.tid}`;
    if (e.ph === 'X' || e.ph === 'i') {
      if ((lastTs.get(track) ?? -Infinity) > e.ts) out.push(`ts goes back on ${track}: ${e.ts}`);
      lastTs.set(track, e.ts);
    }
    if (e.ph === 'X') {
      if (!(e.dur! >= 0)) out.push(`bad dur ${JSON.stringify(e)}`);
      const st = stacks.get(track) ?? [];
      // ts and dur are µs doubles: allow a rounding step when one slice ends where the next starts
      while (st.length && st[st.length - 1] <= e.ts + 1e-9) st.pop();
      if (st.length && e.ts + e.dur! > st[st.length - 1] + 1e-9) out.push(`X does not nest on ${track} at ${e.ts}`);
      st.push(e.ts + e.dur!);
      stacks.set(track, st);
    }
    if (e.ph === 'b' || e.ph === 'e') {
      const key = `${e.cat}/${e.id}`;
      if (e.ph === 'b') {
        if (asyncOpen.has(key)) out.push(`async id reused ${key}`);
        asyncOpen.set(key, e.ts);
      } else {
        const b = asyncOpen.get(key);
        if (b === undefined || b > e.ts) out.push(`unpaired e ${key}`);
        asyncOpen.delete(key);
      }
    }
    if (e.ph === 's' || e.ph === 'f') {
      const f = flows.get(e.id!) ?? { s: 0, f: 0, sTs: 0, fTs: 0 };
      if (e.ph === 's') {
        f.s++;
        f.sTs = e.ts;
      } else {
        f.f++;
        f.fTs = e.ts;
        if (e.bp !== 'e') out.push('f without bp e');
      }
      flows.set(e.id!, f);
    }
  }
  if (asyncOpen.size) out.push(`${asyncOpen.size} async slices never ended`);
  for (const [id, f] of flows) if (f.s !== 1 || f.f !== 1 || f.sTs > f.fTs) out.push(`flow ${id}: ${f.s} s, ${f.f} f`);
  return out;
}

describe('chrome export of a known trace', () => {
  it('names processes and threads (verbatim, hostile names included)', async () => {
    const { events } = await exportOf(knownTrace(), 'known');
    expect(problems(events)).toEqual([]);
    const meta = events.filter((e) => e.ph === 'M' && e.name.endsWith('_name')).map((e) => e.args!.name);
    expect(meta).toEqual(expect.arrayContaining(['GPU streams', HOSTILE.thread1, HOSTILE.thread2, 'stream 0xa0', 'stream 0xb0']));
  });

  it('puts GPU work on stream tracks and host calls on thread tracks, in µs since the start', async () => {
    const { events, stats } = await exportOf(knownTrace(), 'known2');
    const gpuPid = events.find((e) => e.ph === 'M' && e.args?.name === 'GPU streams')!.pid;
    const x = (pid: number) => events.filter((e) => e.ph === 'X' && e.pid === pid && e.cat !== 'api').map((e) => [e.name, e.ts, e.dur]);
    expect(x(gpuPid)).toEqual([
      [HOSTILE.kernelA, 1000, 3000],
      ['gemm', 5000, 1000],
      [HOSTILE.kernelB, 2000, 1000],
      ['memcpy d2h', 7000, 1000],
    ]);
    expect(x(4242)).toEqual([
      [HOSTILE.range, 500, 8500],
      ['event record', 4100, 0.001],
      ['cudaDeviceSynchronize', 6500, 500],
      ['event wait', 4200, 0.001],
      ['cudaEventSynchronize', 8000, 2000],
    ]);
    expect(events.filter((e) => e.ph === 'i' && e.cat !== 'finding').map((e) => [e.name, e.ts, e.tid])).toEqual([['end', 10000, 1]]);
    const open = events.find((e) => e.name === 'cudaEventSynchronize')!;
    expect(open.args).toMatchObject({ open: true, scope: 'event', target: '0xe7' });
    const slot = events.filter((e) => e.cat === 'slot').map((e) => [e.ph, e.ts, e.tid]);
    expect(slot).toEqual([
      ['b', 200, 2],
      ['e', 9500, 2],
    ]);
    const flows = events.filter((e) => (e.ph === 's' || e.ph === 'f') && e.cat === 'sync').map((e) => [e.ph, e.id, e.tid, e.ts]);
    expect(flows).toEqual([
      ['s', 1, 1, 4100],
      ['s', 2, 1, 4100],
      ['f', 1, 2, 4200],
      ['f', 2, 2, 8000],
    ]);
    expect(stats.flows).toBe(6); // 2 record -> wait, 4 launch -> GPU
  });

  it('has the host launch and copy calls, an arrow from each to its GPU work, and the findings on their own track', async () => {
    const { events, stats } = await exportOf(knownTrace(), 'known3');
    const gpuPid = events.find((e) => e.ph === 'M' && e.args?.name === 'GPU streams')!.pid;
    const launches = events.filter((e) => e.ph === 'X' && e.cat === 'api').map((e) => [e.name, e.ts, e.tid]);
    expect(launches).toEqual([
      [`launch ${HOSTILE.kernelA}`, 900, 1],
      ['launch gemm', 4500, 1],
      [`launch ${HOSTILE.kernelB}`, 1500, 2],
      ['memcpy d2h', 6600, 2],
    ]);
    // each launch's 's' on its thread at the call, its 'f' on the GPU track at the start of the work it launched
    const s = events.filter((e) => e.ph === 's' && e.cat === 'launch_flow');
    const f = events.filter((e) => e.ph === 'f' && e.cat === 'launch_flow');
    expect(s).toHaveLength(4);
    for (const a of s) {
      const b = f.find((x) => x.id === a.id)!;
      expect(b.pid).toBe(gpuPid);
      expect(b.bp).toBe('e');
      const gpu = events.find((x) => x.ph === 'X' && x.pid === gpuPid && x.tid === b.tid && x.ts === b.ts)!;
      expect(launches.find((l) => l[1] === a.ts)![0]).toContain(gpu.name);
    }
    // the known trace's never-returned event sync is a hang finding, on the findings track with its message
    const fi = events.filter((e) => e.cat === 'finding');
    expect(fi.length).toBe(stats.findings);
    expect(fi.length).toBeGreaterThan(0);
    const track = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'findings (mpstrace analyze)')!;
    for (const e of fi) {
      expect(e.tid).toBe(track.tid);
      expect(e.args).toMatchObject({
        rule: expect.any(String),
        message: expect.any(String),
        severity: expect.stringMatching(/error|warning/),
      });
    }
    expect(problems(events)).toEqual([]);
  });

  it('moves overlapping GPU work and non-nesting host calls off the X track', async () => {
    const w = new TraceWriter({ backend: 'cuda', chunkBytes: 4096, pid: 7 });
    w.record(1, 'process_start', 1000, { pid: 7, backend: 'cuda' });
    w.record(1, 'submit', 1100, { stream: 0xa, name: 'k1', corr: 1 });
    w.record(1, 'submit', 1200, { stream: 0xa, name: 'k2', corr: 2 });
    w.record(9, 'complete', 2000, { corr: 1, dur_ns: 1000 });
    w.record(9, 'complete', 2500, { corr: 2, dur_ns: 1000 });
    // a sync that starts inside a range and ends after it
    w.record(1, 'range_push', 3000, { name: 'r' });
    w.record(1, 'sync_begin', 3500, { target: 0xa, scope: 'stream', api: 'cudaStreamSynchronize' });
    w.record(1, 'range_pop', 4000);
    w.record(1, 'sync_end', 4500, { target: 0xa, scope: 'stream', api: 'cudaStreamSynchronize', result: 0 });
    w.record(1, 'submit', 5000, { stream: 0xa, name: 'k3', corr: 3 }); // never completed
    const { events } = await exportOf(w, 'overlap');
    expect(events.filter((e) => e.ph === 'i').map((e) => [e.name, e.ts, e.tid])).toEqual([['k3 (no GPU completion recorded)', 4, 1]]);
    expect(problems(events)).toEqual([]);
    const k = events.filter((e) => e.ph === 'X' && e.name.startsWith('k')).map((e) => [e.name, e.tid]);
    expect(k[0][1]).not.toBe(k[1][1]);
    expect(events.find((e) => e.ph === 'M' && e.tid === k[1][1] && e.name === 'thread_name')!.args!.name).toBe('stream 0xa (overlap 1)');
    expect(events.filter((e) => e.name === 'cudaStreamSynchronize').map((e) => e.ph)).toEqual(['b', 'e']);
  });
});

describe('chrome export of the bundled real CUDA traces', () => {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const traces = [
    'traces/cuda/train_prefetch.mpst',
    'traces/cuda/timing_events.mpst',
    ...readdirSync(path.join(root, 'traces/cuda/pool'))
      .filter((f) => f.endsWith('.mpst'))
      .map((f) => `traces/cuda/pool/${f}`),
  ];
  it.each(traces)('%s follows the format rules', async (rel) => {
    const t = await openTrace(path.join(root, rel));
    const out = path.join(dir, `${path.basename(rel)}.json`);
    try {
      const stats = await exportChrome(t, out);
      expect(stats.slices).toBeGreaterThan(0);
    } finally {
      t.close();
    }
    expect(problems(JSON.parse(readFileSync(out, 'utf8')).traceEvents)).toEqual([]);
  });
});

describe('chrome export of a large synthetic trace', () => {
  it('is valid JSON that follows the format rules', async () => {
    const { writer, events: n } = synthesize({ events: 200_000, streams: 6, threads: 6, seed: 3 });
    const { events, stats } = await exportOf(writer, 'large');
    expect(n).toBe(200_000);
    expect(stats.slices).toBeGreaterThan(50_000);
    expect(stats.flows).toBeGreaterThan(1000);
    expect(problems(events)).toEqual([]);
  });
});

/**
 * The host rows are read back one window of (thread, time) at a time, each its own sort
 * (hostWindows); windows of a few rows must give the bytes that one sort of all rows gives.
 */
describe('chrome export read back in windows', () => {
  async function bothWays(trace: string, name: string, windowRows = 3): Promise<{ one: Buffer; windowed: Buffer }> {
    const t = await openTrace(trace);
    try {
      const a = path.join(dir, `${name}.one.json`);
      const b = path.join(dir, `${name}.win.json`);
      await exportChrome(t, a, { findings: null });
      await exportChrome(t, b, { findings: null, windowRows });
      return { one: readFileSync(a), windowed: readFileSync(b) };
    } finally {
      t.close();
    }
  }

  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  it.each(['traces/cuda/timing_events.mpst', 'traces/cuda/mt_inference.mpst', 'traces/cuda/pool/stream_pool_buggy.mpst'])(
    '%s: the same bytes with windows of 3 rows',
    async (rel) => {
      const { one, windowed } = await bothWays(path.join(root, rel), path.basename(rel));
      expect(one.length).toBeGreaterThan(1000);
      expect(windowed.equals(one)).toBe(true);
    },
  );

  it('a synthetic trace (threads split in time, ties on a timestamp): the same bytes', async () => {
    const { writer } = synthesize({ events: 6_000, streams: 3, threads: 4, seed: 11 });
    const trace = path.join(dir, 'win-synth.mpst');
    writer.writeFile(trace);
    const { one, windowed } = await bothWays(trace, 'win-synth', 150);
    expect(windowed.equals(one)).toBe(true);
  });

  it('plans windows that cover every row once, in read-back order', async () => {
    const w = new TraceWriter({ backend: 'cuda', chunkBytes: 4096, pid: 7 });
    w.record(1, 'process_start', 1000, { pid: 7, backend: 'cuda' });
    const trace = path.join(dir, 'win-plan.mpst');
    w.writeFile(trace);
    const t = await openTrace(trace);
    try {
      const conn = t.connection;
      await conn.run('CREATE OR REPLACE TEMP TABLE _chrome_host (tid BIGINT, ts BIGINT, k INTEGER)');
      // thread 5: 40 rows over time, two at each ts; threads 1-3: a few rows; thread 9: rows without a time; NULL thread
      const rows: string[] = [];
      for (let i = 0; i < 40; i++) rows.push(`(5, ${1000 + Math.floor(i / 2) * 10}, ${i})`);
      rows.push('(1, 5, 100)', '(2, 6, 101)', '(2, 6, 102)', '(3, 1, 103)', '(9, 50, 104)', '(9, NULL, 105)', '(NULL, 3, 106)');
      rows.push('(9, 60, 107)', '(9, 70, 108)', '(9, 80, 109)', '(9, 90, 110)', '(9, 99, 111)');
      await conn.run(`INSERT INTO _chrome_host VALUES ${rows.join(', ')}`);
      const order = 'ORDER BY tid, ts, k';
      const all = (await conn.runAndReadAll(`SELECT k FROM _chrome_host ${order}`)).getRows().map((r) => Number(r[0]));
      const windows = await hostWindows(conn, 5);
      expect(windows.length).toBeGreaterThan(8);
      const got: number[] = [];
      for (const where of windows) {
        const part = (await conn.runAndReadAll(`SELECT k FROM _chrome_host WHERE ${where} ${order}`)).getRows().map((r) => Number(r[0]));
        expect(part.length).toBeGreaterThan(0);
        got.push(...part);
      }
      expect(got).toEqual(all);
      expect(await hostWindows(conn, 1000)).toEqual(['']);

      // the GPU rows' windows: other columns, and only the rows a condition keeps (a GPU start)
      await conn.run('CREATE OR REPLACE TEMP TABLE _g (stream BIGINT, gpu_start BIGINT, k INTEGER)');
      const g: string[] = [];
      for (let i = 0; i < 30; i++) g.push(`(-7, ${500 + Math.floor(i / 3)}, ${i})`, `(${i % 4}, ${i < 5 ? 'NULL' : 100 + i}, ${100 + i})`);
      await conn.run(`INSERT INTO _g VALUES ${g.join(', ')}`);
      const on = { table: '_g', key: 'stream', time: 'gpu_start', where: 'gpu_start IS NOT NULL' };
      const gOrder = 'ORDER BY stream, gpu_start, k';
      const kept = (await conn.runAndReadAll(`SELECT k FROM _g WHERE ${on.where} ${gOrder}`)).getRows().map((r) => Number(r[0]));
      expect(kept.length).toBe(55);
      const gWindows = await sortWindows(conn, 4, on);
      expect(gWindows.length).toBeGreaterThan(8);
      const gGot: number[] = [];
      for (const where of gWindows) {
        const part = (await conn.runAndReadAll(`SELECT k FROM _g WHERE ${on.where} AND ${where} ${gOrder}`))
          .getRows()
          .map((r) => Number(r[0]));
        expect(part.length).toBeGreaterThan(0);
        gGot.push(...part);
      }
      expect(gGot).toEqual(kept);
    } finally {
      t.close();
    }
  });

  it('joins the submissions in ranges of correlation ids that take each one once, completions and all', async () => {
    const w = new TraceWriter({ backend: 'cuda', chunkBytes: 4096, pid: 7 });
    w.record(1, 'process_start', 1000, { pid: 7, backend: 'cuda' });
    let ts = 1100;
    // ids 10..69 completed (three of them twice, which the view folds into one row), a dense run
    // and a gap; id 0 (never completes); ids below and above every completion's; a memcpy
    for (const corr of [...Array.from({ length: 40 }, (_, i) => 10 + i), ...Array.from({ length: 20 }, (_, i) => 50 + i * 1000)]) {
      w.record(1 + (corr % 3), 'submit', ts++, { stream: 0xa + (corr % 2), name: `k${corr}`, corr });
      w.record(9, 'complete', ts + 500, { corr, dur_ns: 100 + corr });
      if (corr % 17 === 0) w.record(9, 'complete', ts + 900, { corr, dur_ns: 7, error: 3 });
    }
    w.record(1, 'submit', ts++, { stream: 0xa, name: 'none', corr: 0 });
    w.record(1, 'submit', ts++, { stream: 0xa, name: 'below', corr: 2 });
    w.record(2, 'submit', ts++, { stream: 0xb, name: 'above', corr: 999_999 });
    w.record(2, 'memcpy', ts++, { stream: 0xb, dir: 'h2d', bytes: 64, corr: 70 });
    const trace = path.join(dir, 'corr-plan.mpst');
    w.writeFile(trace);
    const t = await openTrace(trace);
    try {
      const conn = t.connection;
      const cols = 'id, corr, gpu_start, gpu_end, error';
      const rows = async (where: string) =>
        (await conn.runAndReadAll(`SELECT ${cols} FROM submissions${where ? ` WHERE ${where}` : ''} ORDER BY id`))
          .getRows()
          .map((r) => r.map(String).join(' '));
      const covered = async (expectRows: number) => {
        const all = await rows('');
        expect(all.length).toBe(expectRows);
        const ranges = await corrRanges(conn, 4);
        expect(ranges.length).toBeGreaterThan(8);
        const got: string[] = [];
        for (const where of ranges) {
          // no range holds more completions than asked, where bins allow (a bin here holds at most four)
          const [n] = (await conn.runAndReadAll(`SELECT count(*) FROM ev_complete WHERE corr <> 0 AND (${where})`)).getRows()[0]!;
          expect(Number(n)).toBeLessThanOrEqual(4);
          got.push(...(await rows(where)));
        }
        expect(got.sort()).toEqual([...all].sort());
        return ranges;
      };
      // a binary trace has no NULL payload word, so no submission without an id: no step for one
      expect((await covered(64)).at(-1)).not.toContain('NULL');
      expect(await corrRanges(conn, 1000)).toEqual(['']);
      // a table loaded from elsewhere may have one: a submit record without its payload
      await conn.run(`INSERT INTO raw_events VALUES (1000000, 1050, 1, ${KIND_BY_NAME.get('submit')!.id}, 0, 10, NULL, NULL, NULL, NULL)`);
      expect((await covered(65)).at(-1)).toBe('corr IS NULL');
    } finally {
      t.close();
    }
  });
});
