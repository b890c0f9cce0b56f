/**
 * cross-stream-race with bounded memory: the pass query run in small time
 * windows (as on a trace too large for one DuckDB sort) gives the same
 * findings, every occurrence, as the one-window run; the engine forgets event
 * snapshots the host already knows without changing what it reports.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTrace } from '../src/ingest/load.js';
import { analyzeTrace, passWindows } from '../src/analyze/analyzeTrace.js';
import { detectors } from '../src/detectors/registry.js';
import { ALL_FIXTURES, Seq, event, stream, tensor } from '../src/detectors/cross-stream-race/fixtures.js';
import { RaceEngine, OP } from '../src/detectors/cross-stream-race/engine.js';
import type { Finding } from '../src/analyze/finding.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mpst-race-bounded-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const race = detectors().find((d) => d.id === 'cross-stream-race')!;
const unordered = race.sql.replace(/;\s*$/, '').replace(/\bORDER\s+BY\s+ts\b[^()]*$/i, '');

/** Findings of one trace in one window and in windows of at most `rows` rows, grouped and per occurrence; and the window count. */
async function bothWays(file: string, rows: number) {
  const loaded = await openTrace(file, { cache: false, progress: false });
  try {
    const run = (group: boolean, passWindowRows?: number) => analyzeTrace(loaded, { rules: ['cross-stream-race'], group, passWindowRows });
    const plain = (fs: Finding[]) => JSON.parse(JSON.stringify(fs, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
    return {
      windows: (await passWindows(loaded.connection, unordered, undefined, rows)).length,
      one: plain([...(await run(true, Number.MAX_SAFE_INTEGER)), ...(await run(false, Number.MAX_SAFE_INTEGER))]),
      split: plain([...(await run(true, rows)), ...(await run(false, rows))]),
    };
  } finally {
    loaded.close();
  }
}

describe('cross-stream-race in time windows', () => {
  test('the pass query is windowed and ends with its time order', () => {
    expect(race.sql).toContain('$pass_ts_lo');
    expect(unordered).not.toBe(race.sql.replace(/;\s*$/, ''));
  });

  // every fixture, cut into windows of 3 rows (most fixtures have more)
  let cut = 0;
  let found = 0;
  for (const fx of ALL_FIXTURES) {
    test(`${fx.name}: windows of 3 rows give the findings of one window`, async () => {
      const file = path.join(dir, `${fx.name.replace(/\//g, '_')}.mpst`);
      fx.build().writeFile(file);
      const r = await bothWays(file, 3);
      expect(r.split).toEqual(r.one);
      if (r.windows > 1) cut++;
      found += r.one.length;
    });
  }
  test('the fixture comparisons mean something: most fixtures were cut, and they have findings', () => {
    expect(cut).toBeGreaterThan(ALL_FIXTURES.length / 2);
    expect(found).toBeGreaterThan(20);
  });

  test('windows cover every row exactly once, in time order', async () => {
    const file = path.join(dir, 'cover.mpst');
    const q = new Seq();
    for (let i = 0; i < 500; i++)
      q.access(stream(i % 3), tensor(i % 40), 64, i % 7 === 0 ? 'write' : 'read', 'aten::x', tensor(i % 40), 1 + (i % 5));
    q.done().writeFile(file);
    const loaded = await openTrace(file, { cache: false, progress: false });
    try {
      const w = await passWindows(loaded.connection, unordered, undefined, 50);
      expect(w.length).toBeGreaterThanOrEqual(10);
      for (let i = 1; i < w.length; i++) expect(w[i]![0]).toBe(w[i - 1]![1] + 1n);
      expect(w[0]![0]).toBe(-(2n ** 63n));
      expect(w.at(-1)![1]).toBe(2n ** 63n - 1n);
      const counts: number[] = [];
      for (const [lo, hi] of w) {
        const sql = `SELECT count(*) AS n FROM (${unordered.replaceAll('$pass_ts_lo', `CAST('${lo}' AS BIGINT)`).replaceAll('$pass_ts_hi', `CAST('${hi}' AS BIGINT)`)})`;
        counts.push(Number((await loaded.connection.runAndReadAll(sql)).getRowObjectsJS()[0]!.n));
      }
      const all = `SELECT count(*) AS n FROM (${unordered.replaceAll('$pass_ts_lo', `CAST('${-(2n ** 63n)}' AS BIGINT)`).replaceAll('$pass_ts_hi', `CAST('${2n ** 63n - 1n}' AS BIGINT)`)})`;
      const total = Number((await loaded.connection.runAndReadAll(all)).getRowObjectsJS()[0]!.n);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
      expect(Math.max(...counts)).toBeLessThanOrEqual(50);
    } finally {
      loaded.close();
    }
  });

  const REAL = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'traces', 'cuda', 'races');
  const realFiles = existsSync(REAL) ? readdirSync(REAL).filter((f) => f.endsWith('_buggy.mpst')) : [];
  test.skipIf(realFiles.length === 0)('real PyTorch race runs: windows of 200 rows give the findings of one window', async () => {
    let found = 0;
    for (const f of realFiles) {
      const r = await bothWays(path.join(REAL, f), 200);
      expect(r.windows, f).toBeGreaterThan(1);
      expect(r.split, f).toEqual(r.one);
      found += r.one.length;
    }
    expect(found).toBeGreaterThan(0);
  });
});

describe('cross-stream-race engine memory', () => {
  const row = (e: RaceEngine, id: number, op: number, s: number, obj = 0, ptr = 0, bytes = 0, mode = 0) =>
    e.row(id, 1, 0, op, s, obj, ptr, bytes, 0, mode, 0, 0);

  test('ever new event handles: snapshots the host knows are forgotten, the findings stay', () => {
    const e = new RaceEngine({});
    let id = 0;
    const [a, b] = [stream(0), stream(1)];
    for (let i = 0; i < 200_000; i++) {
      row(e, ++id, OP.TENSOR, a, 0, tensor(i % 100), 64, 2);
      row(e, ++id, OP.EV_RECORD, a, event(i));
      row(e, ++id, OP.EV_WAIT, b, event(i));
      if (i % 50 === 49) row(e, ++id, OP.SYNC_END, 0, 0, 0, 0, 1); // cudaDeviceSynchronize returned
    }
    expect(e.liveEvents).toBeLessThanOrEqual(8192);
    // an event recorded after the last sync is still held and still orders a reader
    row(e, ++id, OP.TENSOR, a, 0, tensor(500), 64, 2);
    row(e, ++id, OP.EV_RECORD, a, event(1e6));
    row(e, ++id, OP.EV_WAIT, b, event(1e6));
    row(e, ++id, OP.TENSOR, b, 0, tensor(500), 64, 1);
    expect(e.conflicts()).toEqual([]);
    // a wait on a forgotten (host-known) event orders nothing new, as before: the
    // reader on a new stream of a write after the last sync still races
    row(e, ++id, OP.TENSOR, a, 0, tensor(600), 64, 2);
    row(e, ++id, OP.EV_WAIT, stream(2), event(3));
    row(e, ++id, OP.TENSOR, stream(2), 0, tensor(600), 64, 1);
    expect(e.conflicts().map((c) => c.kind)).toEqual(['read-after-write']);
  });

  test('without syncs nothing is forgotten (no snapshot is known to the host)', () => {
    const e = new RaceEngine({});
    let id = 0;
    for (let i = 0; i < 10_000; i++) {
      row(e, ++id, OP.TENSOR, stream(0), 0, tensor(i), 64, 2);
      row(e, ++id, OP.EV_RECORD, stream(0), event(i));
    }
    expect(e.liveEvents).toBe(10_000);
    // the first event, recorded 10,000 records ago, still orders the first write
    // (not the second) for a reader that waits on it
    row(e, ++id, OP.EV_WAIT, stream(1), event(0));
    row(e, ++id, OP.TENSOR, stream(1), 0, tensor(0), 64, 1);
    expect(e.conflicts()).toEqual([]);
    row(e, ++id, OP.TENSOR, stream(1), 0, tensor(1), 64, 1);
    expect(e.conflicts().map((c) => c.kind)).toEqual(['read-after-write']);
  });
});
