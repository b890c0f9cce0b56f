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

describe.skipIf(!gobjc)('metal kill switches (MPSTRACE_METAL_SKIP)', () => {
  for (const skip of ['events,waits', 'all']) {
    it(`leaves the skipped groups unhooked and still forwards every call (${skip})`, () => {
      make('test-capture-build');
      const r = spawnSync(path.join(testOut, 'test_hooks_capture'), [], {
        encoding: 'utf8',
        env: { ...process.env, MPSTRACE_METAL_SKIP: skip },
        timeout: 60_000,
      });
      const out = `${r.stdout}\n${r.stderr}`;
      expect(out, out).not.toMatch(/FAIL/);
      expect(r.status, out).toBe(0);
      expect(out).toMatch(/12 checks, 0 failures/);
    });
  }
});

describe.skipIf(!gobjc)('metal recorder with the real runtime: the trace as the analyzer sees it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mpst-metal-'));
  const trace = path.join(dir, 'metal.mpst');
  const early = path.join(dir, 'annotate-first.mpst');
  let t: LoadedTrace;

  beforeAll(async () => {
    make('test-runtime');
    for (const [out, args] of [
      [trace, []],
      [early, ['--annotate-first']],
    ] as const) {
      const r = spawnSync(path.join(testOut, 'test_hooks_runtime'), [...args], {
        encoding: 'utf8',
        env: { ...process.env, MPSTRACE_OUT: out, MPSTRACE_ENABLE: '1' },
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
    }
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

  it('names the backend metal when an annotation opened the trace before the first device', async () => {
    const e = await openTrace(early, { progress: false });
    try {
      expect(e.warnings).toEqual([]);
      expect(e.info.backend).toBe('metal');
      const rec = await one(e, `SELECT value FROM trace_meta WHERE key = 'recorder'`);
      expect(String(rec.value)).toBe('mpstrace-metal 0.1.0 (untested on Apple hardware)');
      // the annotation really came first: its range_push precedes every Metal record
      const first = await one(
        e,
        `SELECT min(id) FILTER (WHERE kind_name = 'range_push') AS r,
          min(id) FILTER (WHERE kind_name IN ('cb_create', 'stream_create', 'event_create')) AS m FROM events`,
      );
      expect(Number(first.r)).toBeLessThan(Number(first.m));
    } finally {
      e.close();
    }
  });

  it('records every root commit once, each joined to its GPU completion by corr', async () => {
    // 1 (chain) + 2 (driver subclass, late class) + 4 (MPS stream sequences) + 6 (three pool workers x 2 flushes)
    // + 1 (GPU error) + 180 (6 racing threads x 30) + 7 (identity) + 2 (fail open: objects with no GPU, never
    // complete) + 3 (handler race: the raced root, its successor, the final commit-and-wait) + 1 (enqueue in commit)
    const c = await one(
      t,
      `SELECT count(*) AS n, count(gpu_end) AS done, count(DISTINCT corr) AS corrs,
        count(*) FILTER (WHERE error = 42) AS failed, count(*) FILTER (WHERE error <> 0) AS errors
      FROM submissions WHERE what = 'commit'`,
    );
    expect(c).toEqual({ n: 207, done: 205, corrs: 207, failed: 1, errors: 1 });
    const late = await one(t, `SELECT count(*) AS n FROM submissions WHERE what = 'commit' AND (gpu_start < ts OR gpu_end <= gpu_start)`);
    expect(late.n).toBe(0);
    const cc = await one(t, `SELECT count(*) FILTER (WHERE and_continue) AS cac FROM ev_cb_commit`);
    expect(cc.cac).toBe(182);
  });

  it('orders create → commit → complete and attributes each commit to its queue', async () => {
    const bad = await rows(
      t,
      `SELECT m.cb FROM ev_cb_commit m JOIN ev_cb_create c ON c.corr = m.corr
      WHERE c.cb <> m.cb OR c.stream <> m.stream OR c.id > m.id AND c.tid = m.tid OR c.ts > m.ts`,
    );
    expect(bad).toEqual([]);
    const orphans = await one(t, `SELECT count(*) AS n FROM ev_cb_commit m WHERE m.corr NOT IN (SELECT corr FROM ev_cb_create)`);
    expect(orphans.n).toBe(0);
    const unknown = await one(
      t,
      `SELECT count(*) AS n FROM ev_cb_commit WHERE stream <> 0 AND stream NOT IN (SELECT stream FROM ev_stream_create)`,
    );
    expect(unknown.n).toBe(0);
  });

  it('announces a stream at its first use: unused queues (the guard temporary, an idle pool stream) leave none', async () => {
    // 25 queues were created; 22 got work. Every destroy names an announced stream.
    const s = await one(
      t,
      `SELECT (SELECT count(*) FROM ev_stream_create) AS created, (SELECT count(*) FROM ev_stream_destroy) AS destroyed,
        (SELECT count(*) FROM ev_stream_destroy WHERE stream NOT IN (SELECT stream FROM ev_stream_create)) AS orphan,
        (SELECT hits FROM ev_metal_hook WHERE cls = 'FakeDevice' AND sel = 'newCommandQueue' AND at_exit = 1) AS made`,
    );
    expect(s).toEqual({ created: 22, destroyed: 5, orphan: 0, made: 25 });
  });

  it('pairs every waitUntilCompleted as a stream-scoped host sync', async () => {
    const h = await one(
      t,
      `SELECT count(*) AS n, count(end_id) AS ended,
        count(*) FILTER (WHERE scope <> 'stream') AS other, count(*) FILTER (WHERE result <> 0) AS failed
      FROM host_syncs`,
    );
    expect(h).toEqual({ n: 28, ended: 28, other: 0, failed: 1 });
    const apis = await rows(t, `SELECT api, count(*) AS n FROM host_syncs GROUP BY api ORDER BY api`);
    expect(apis).toEqual([
      { api: 'waitUntilCompleted', n: 27 },
      { api: 'waitUntilScheduled', n: 1 },
    ]);
  });

  it('infers slots only for PyTorch stream queues, with recorder-local numbers', async () => {
    const spans = await rows(t, `SELECT slot, stream, tid, source FROM slot_spans ORDER BY start_id`);
    expect(spans.every((r) => r.source === 'inferred')).toBe(true);
    // never a PyTorch stream id: the recorder cannot know them
    expect(spans.every((r) => Number(r.slot) >= 2 ** 31)).toBe(true);
    // every announced stream but the program's own queue (no "metal gpu stream" dispatch queue)
    const streams = new Set(spans.map((r) => r.stream));
    expect(streams.size).toBe(21);
    const own = await rows(t, `SELECT stream FROM ev_stream_create WHERE stream NOT IN (SELECT stream FROM slot_spans)`);
    expect(own.length).toBe(1);
    // one stream per pool worker and racing thread, each with its own slot number
    const perTid = new Map<string, Record<string, unknown>[]>();
    for (const r of spans) perTid.set(String(r.tid), [...(perTid.get(String(r.tid)) ?? []), r]);
    const workers = [...perTid.values()].filter((v) => v.length === 1).map((v) => v[0]!);
    expect(workers.length).toBe(10); // 3 pool workers, 6 racers, the handler-race thread
    const mismatched = await one(
      t,
      `SELECT count(*) AS n FROM ev_cb_commit m JOIN slot_spans s ON s.tid = m.tid
      WHERE m.tid IN (SELECT tid FROM slot_spans GROUP BY tid HAVING count(*) = 1) AND m.stream <> s.stream`,
    );
    expect(mismatched.n).toBe(0);
  });

  it('tracks event records, waits, their values and lifetimes', async () => {
    const e = await one(
      t,
      `SELECT (SELECT count(*) FROM ev_event_record) AS rec, (SELECT count(*) FROM ev_event_wait) AS wait,
        (SELECT count(*) FROM ev_event_create) AS created, (SELECT count(*) FROM ev_event_destroy) AS destroyed`,
    );
    expect(e).toEqual({ rec: 197, wait: 2, created: 4, destroyed: 1 });
    const v = await rows(t, `SELECT op, count(*) AS n FROM ev_event_value GROUP BY op ORDER BY op`);
    expect(v).toEqual([
      { op: 'notify', n: 4 },
      { op: 'notify_fire', n: 4 },
      { op: 'set', n: 1 },
      { op: 'signal', n: 197 },
      { op: 'wait', n: 2 },
    ]);
    // each signal/wait value directly follows its record on the same thread, for the same event and stream
    const unpaired = await one(
      t,
      `SELECT count(*) AS n FROM ev_event_value v
      LEFT JOIN (SELECT id, tid, event, stream FROM ev_event_record UNION ALL SELECT id, tid, event, stream FROM ev_event_wait) r
        ON r.id = (SELECT max(x.id) FROM events x WHERE x.tid = v.tid AND x.id < v.id)
      WHERE v.op IN ('signal', 'wait') AND (r.id IS NULL OR r.event <> v.event OR r.stream <> v.stream)`,
    );
    expect(unpaired.n).toBe(0);
    // a listener fires after it was registered, at the value it waited for
    const fires = await rows(
      t,
      `SELECT f.ts >= n.ts AS after, f.value = n.value AS same FROM ev_event_value f
      JOIN ev_event_value n ON n.event = f.event AND n.op = 'notify' AND f.op = 'notify_fire' AND n.value = f.value`,
    );
    expect(fires.length).toBeGreaterThanOrEqual(4);
    expect(fires.every((r) => r.after && r.same)).toBe(true);
  });

  it('writes the self-report: per-(class, selector) hit counts, missing selectors and fail-open sites', async () => {
    const hooked = await rows(
      t,
      `SELECT cls, sel, role, hits FROM ev_metal_hook WHERE at_exit = 1 AND state = 'hooked'
      AND cls = 'MPSCommandBuffer' AND sel IN ('commitAndContinue', 'commandBufferFromCommandQueue:') ORDER BY sel`,
    );
    expect(hooked).toEqual([
      { cls: 'MPSCommandBuffer', sel: 'commandBufferFromCommandQueue:', role: 'MPSCommandBuffer class', hits: 23 },
      { cls: 'MPSCommandBuffer', sel: 'commitAndContinue', role: 'MPSCommandBuffer', hits: 183 },
    ]);
    const other = await rows(
      t,
      `SELECT cls, sel, state, hits FROM ev_metal_hook WHERE at_exit = 1
      AND (state IN ('fallback', 'no_original') OR (cls = 'FakeDevice' AND state = 'missing')) ORDER BY cls, sel`,
    );
    expect(other).toEqual([
      { cls: 'FakeDevice', sel: 'newCommandQueueWithDescriptor:', state: 'missing', hits: 0 },
      { cls: 'FakeDevice', sel: 'newSharedEventWithHandle:', state: 'missing', hits: 0 },
      { cls: 'NoImpl', sel: 'commit', state: 'no_original', hits: 1 },
      { cls: 'OtherSubCB', sel: 'commit', state: 'fallback', hits: 2 },
      { cls: 'OtherSubDevice', sel: 'newCommandQueue', state: 'fallback', hits: 1 },
    ]);
  });

  it('with MPSTRACE_METAL_VERBOSE=1 also writes the rows of each class when it is hooked, and prints the table', async () => {
    const verbose = path.join(dir, 'verbose.mpst');
    const r = spawnSync(path.join(testOut, 'test_hooks_runtime'), [], {
      encoding: 'utf8',
      env: { ...process.env, MPSTRACE_OUT: verbose, MPSTRACE_METAL_VERBOSE: '1' },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/mpstrace-metal: hooked FakeCB as command buffer \(\d+ selectors\)/);
    expect(r.stderr).toMatch(/hook table \(at exit\)/);
    const v = await openTrace(verbose, { progress: false });
    try {
      const early = await rows(
        v,
        `SELECT cls, sel, state, hits FROM ev_metal_hook WHERE at_exit = 0 AND cls = 'FakeCB' AND sel IN ('commit', 'enqueue') ORDER BY sel`,
      );
      expect(early).toEqual([
        { cls: 'FakeCB', sel: 'commit', state: 'hooked', hits: 0 },
        { cls: 'FakeCB', sel: 'enqueue', state: 'hooked', hits: 0 },
      ]);
      // written when the class was hooked: before its first command buffer's cb_create
      const order = await one(
        v,
        `SELECT (SELECT min(id) FROM ev_metal_hook WHERE at_exit = 0 AND cls = 'FakeCB') AS hooked,
          (SELECT min(id) FROM ev_cb_create) AS first_cb`,
      );
      expect(Number(order.hooked)).toBeLessThan(Number(order.first_cb) + 2);
    } finally {
      v.close();
    }
  });

  it('mpstrace info shows the hook table', () => {
    const out = execFileSync(process.execPath, [path.join(root, 'bin', 'mpstrace.js'), 'info', trace], { encoding: 'utf8' });
    expect(out).toMatch(/Metal hooks/);
    expect(out).toMatch(/MPSCommandBuffer\s+commitAndContinue\s+183/);
    expect(out).toMatch(/OtherSubCB\s+commit\s+2\s+fallback/);
  });
});
