// The Metal recorder's hook logic, tested on Linux: the hook engine and hooks
// are compiled with GCC's Objective-C (GNU runtime) against stand-in classes
// that answer Metal's selectors (instrumentation/metal/test/). Nothing here
// runs Metal; see docs/readme/50-metal.md for what that does and does not prove.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTrace, type LoadedTrace } from '../src/ingest/load.js';

const root = path.resolve(import.meta.dirname, '..');
const metalDir = path.join(root, 'instrumentation', 'metal');
const testOut = path.join(root, 'instrumentation', 'build', 'metal-test');

function haveGnuObjc(): boolean {
  const r = spawnSync('gcc', ['-print-file-name=libobjc.so'], { encoding: 'utf8' });
  return r.status === 0 && path.isAbsolute(r.stdout.trim()) && existsSync(r.stdout.trim());
}
const gobjc = haveGnuObjc();
if (!gobjc) console.warn('metal tests skipped: gcc with GNU libobjc not found (apt-get install gobjc)');

function make(target: string): string {
  return execFileSync('make', ['-s', '-C', metalDir, target], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

async function rows(t: LoadedTrace, sql: string): Promise<Record<string, unknown>[]> {
  const r = await t.connection.runAndReadAll(sql);
  const plain = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v);
  return (r.getRowObjectsJS() as Record<string, unknown>[]).map((o) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)])),
  );
}
async function one(t: LoadedTrace, sql: string): Promise<Record<string, unknown>> {
  return (await rows(t, sql))[0]!;
}

describe.skipIf(!gobjc)('metal hook engine and hooks (stand-in classes, capture runtime)', () => {
  it('passes every field-level check of the C test', () => {
    // The C program checks each record's fields and the stand-ins' call counters;
    // a failed check prints FAIL lines and exits 1, which execFileSync throws on.
    const r = spawnSync('make', ['-s', '-C', metalDir, 'test'], { encoding: 'utf8', timeout: 120_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(out, out).not.toMatch(/FAIL/);
    expect(r.status, out).toBe(0);
    const m = /(\d+) checks, (\d+) failures/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(150);
    expect(Number(m![2])).toBe(0);
  }, 150_000);
});

describe.skipIf(!gobjc)('metal recorder with the real runtime: the trace as the analyzer sees it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mpst-metal-'));
  const trace = path.join(dir, 'metal.mpst');
  let t: LoadedTrace;

  beforeAll(async () => {
    make('test-runtime');
    const r = spawnSync(path.join(testOut, 'test_hooks_runtime'), [], {
      encoding: 'utf8',
      env: { ...process.env, MPSTRACE_OUT: trace, MPSTRACE_ENABLE: '1' },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    t = await openTrace(trace, { progress: false });
  }, 150_000);
  afterAll(() => {
    t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads cleanly and says the Metal recorder wrote it', async () => {
    expect(t.warnings).toEqual([]);
    expect(t.info.backend).toBe('metal');
    expect(t.info.closedCleanly).toBe(true);
    const rec = await one(t, `SELECT value FROM trace_meta WHERE key = 'recorder'`);
    expect(String(rec.value)).toBe('mpstrace-metal 0.1.0 (untested on Apple hardware)');
  });

  it('records every root commit once, each joined to its GPU completion by corr', async () => {
    // 1 (chain) + 2 (driver subclass, late class) + 4 (MPS stream sequences)
    // + 6 (three pool workers x 2 flushes) + 1 (GPU error) + 180 (6 racing threads x 30)
    const c = await one(t, `SELECT count(*) AS n, count(gpu_end) AS done, count(DISTINCT corr) AS corrs,
        count(*) FILTER (WHERE error = 42) AS failed, count(*) FILTER (WHERE error <> 0) AS errors
      FROM submissions WHERE what = 'commit'`);
    expect(c).toEqual({ n: 194, done: 194, corrs: 194, failed: 1, errors: 1 });
    const late = await one(t, `SELECT count(*) AS n FROM submissions WHERE what = 'commit' AND (gpu_start < ts OR gpu_end <= gpu_start)`);
    expect(late.n).toBe(0);
    const cc = await one(t, `SELECT count(*) FILTER (WHERE and_continue) AS cac FROM ev_cb_commit`);
    expect(cc.cac).toBe(181);
  });

  it('orders create → commit → complete and attributes each commit to its queue', async () => {
    const bad = await rows(t, `SELECT m.cb FROM ev_cb_commit m JOIN ev_cb_create c ON c.corr = m.corr
      WHERE c.cb <> m.cb OR c.stream <> m.stream OR c.id > m.id AND c.tid = m.tid OR c.ts > m.ts`);
    expect(bad).toEqual([]);
    const orphans = await one(t, `SELECT count(*) AS n FROM ev_cb_commit m WHERE m.corr NOT IN (SELECT corr FROM ev_cb_create)`);
    expect(orphans.n).toBe(0);
    const s = await one(t, `SELECT count(*) AS n, count(created_ts) AS created FROM streams`);
    expect(s).toEqual({ n: 17, created: 17 });
    const unknown = await one(t, `SELECT count(*) AS n FROM ev_cb_commit WHERE stream NOT IN (SELECT stream FROM ev_stream_create)`);
    expect(unknown.n).toBe(0);
  });

  it('pairs every waitUntilCompleted as a stream-scoped host sync', async () => {
    const h = await one(t, `SELECT count(*) AS n, count(end_id) AS ended,
        count(*) FILTER (WHERE scope <> 'stream') AS other, count(*) FILTER (WHERE result <> 0) AS failed
      FROM host_syncs`);
    // chain 2, driver subclass + late class 2, MPS sequences 3, pool workers 3, error 1, racers 6
    expect(h).toEqual({ n: 17, ended: 17, other: 0, failed: 1 });
    const apis = await rows(t, `SELECT api, count(*) AS n FROM host_syncs GROUP BY api ORDER BY api`);
    expect(apis).toEqual([
      { api: 'waitUntilCompleted', n: 16 },
      { api: 'waitUntilScheduled', n: 1 },
    ]);
  });

  it('infers one slot per pool worker thread from its first use of a non-default queue', async () => {
    const spans = await rows(t, `SELECT slot, stream, tid, source FROM slot_spans ORDER BY start_id`);
    expect(spans.every((r) => r.source === 'inferred')).toBe(true);
    // Per thread: each of the three pool workers and six racing threads owns
    // one stream; the main thread used five non-default queues in the other
    // scenarios (the default stream, ordinal 0, never counts as a slot).
    const perTid = new Map<string, Record<string, unknown>[]>();
    for (const r of spans) perTid.set(String(r.tid), [...(perTid.get(String(r.tid)) ?? []), r]);
    expect([...perTid.values()].map((v) => v.length).sort()).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 5]);
    const workers = [...perTid.values()].filter((v) => v.length === 1).map((v) => v[0]!);
    expect(new Set(workers.map((w) => w.stream)).size).toBe(9);
    expect(new Set(workers.map((w) => w.slot)).size).toBe(9);
    expect(spans.some((r) => Number(r.slot) === 0)).toBe(false);
    // every commit of a worker thread went to the stream it was inferred to own
    const mismatched = await one(t, `SELECT count(*) AS n FROM ev_cb_commit m JOIN slot_spans s ON s.tid = m.tid
      WHERE m.tid IN (SELECT tid FROM slot_spans GROUP BY tid HAVING count(*) = 1) AND m.stream <> s.stream`);
    expect(mismatched.n).toBe(0);
  });

  it('tracks event records, waits and lifetimes', async () => {
    const e = await one(t, `SELECT (SELECT count(*) FROM ev_event_record) AS rec, (SELECT count(*) FROM ev_event_wait) AS wait,
        (SELECT count(*) FROM ev_event_create) AS created, (SELECT count(*) FROM ev_event_destroy) AS destroyed`);
    // chain 1 + MPS sequences 3 + 6 worker signals + 180 racer signals (nil events)
    expect(e).toEqual({ rec: 190, wait: 2, created: 4, destroyed: 1 });
    const o = await one(t, `SELECT count(*) FILTER (WHERE type = 'command_buffer') AS cbs,
        count(*) FILTER (WHERE type = 'command_queue') AS queues FROM objects`);
    expect(Number(o.queues)).toBe(17);
    expect(Number(o.cbs)).toBeGreaterThan(194);
  });
});
