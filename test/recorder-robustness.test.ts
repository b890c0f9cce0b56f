// The recorder under load and abuse: 64 threads x 100k records with every
// loss accounted for, SIGKILL at random moments, a process hung in a sync,
// fatal signals, fork and exec, and a program that never touches CUDA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TraceReader } from '../src/format/reader.js';
import { KIND_BY_NAME } from '../src/format/kinds.js';
import { buildRecorder, canBuild, load, runTraced, tempDir, tracedEnv, type Built } from './recorder-util.js';
import { cleanup } from './recorder-util.js';

const K = (name: string) => KIND_BY_NAME.get(name)!.id;

/** Counts records of `kind` and sums records_lost.count, streaming (the file is ~100 MB). */
function countWithLosses(
  file: string,
  kind: string,
): { records: number; lost: bigint; warnings: number; closed: boolean; listed: number | null; all: number } {
  const r = TraceReader.open(file);
  try {
    let records = 0;
    let lost = 0n;
    const k = K(kind),
      kl = K('records_lost');
    for (const b of r.batches()) {
      for (let i = 0; i < b.count; i++) {
        if (b.kind[i] === k) records++;
        else if (b.kind[i] === kl) lost += b.p[0][i]!;
      }
    }
    return {
      records,
      lost,
      warnings: r.warnings.length,
      closed: r.header.closedCleanly,
      listed: r.fileEnd?.records ?? null,
      all: r.stats.records + r.stats.strings,
    };
  } finally {
    r.close();
  }
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

describe.skipIf(!canBuild)('recorder robustness', () => {
  let b: Built;
  afterAll(cleanup);
  beforeAll(() => {
    b = buildRecorder();
  }, 120_000);

  it('64 threads x 100k records: every record is in the file, none lost', () => {
    const out = path.join(tempDir(), 'stress.mpst');
    const r = runTraced(b, 'drv_stress', ['64', '100000'], out, { MPSTRACE_MAX_MB: '256' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^emitted=6400000 /);
    const c = countWithLosses(out, 'range_pop');
    expect(c).toMatchObject({ records: 6_400_000, lost: 0n, warnings: 0, closed: true });
    expect(c.listed).toBe(c.all); // the file end lists every record
  }, 60_000);

  it('a full buffer never blocks: records + records_lost == emitted', () => {
    const out = path.join(tempDir(), 'full.mpst');
    const r = runTraced(b, 'drv_stress', ['16', '100000'], out, { MPSTRACE_MAX_MB: '4', MPSTRACE_CHUNK_KB: '64' });
    expect(r.status).toBe(0);
    const c = countWithLosses(out, 'range_pop');
    expect(c.lost).toBeGreaterThan(0n);
    expect(BigInt(c.records) + c.lost).toBe(1_600_000n);
    expect(c.closed).toBe(true);
    expect(c.warnings).toBe(0); // the file end fits in the mapping's room past the last chunk
    expect(c.listed).toBe(c.all);
  }, 60_000);

  it('SIGKILL at random moments: every record completed before the kill is read back', async () => {
    for (const delay of [5, 60, 150]) {
      const dir = tempDir();
      const out = path.join(dir, 'kill.mpst');
      const progressFile = path.join(dir, 'progress');
      const child = spawn(b.prog('drv_kill'), [progressFile, '4'], { env: tracedEnv(b, out), stdio: 'ignore' });
      while (!existsSync(progressFile)) await sleep(5); // started writing
      await sleep(delay + Math.floor(Math.random() * 50));
      child.kill('SIGKILL');
      await new Promise((res) => child.on('exit', res));
      const progress = new BigInt64Array(readFileSync(progressFile).buffer.slice(0, 32));
      // stream t+1 must hold events 0, 1, 2, ... in order, at least up to what thread t saw complete
      const next = [0n, 0n, 0n, 0n];
      let ordered = true;
      const r = TraceReader.open(out);
      try {
        const er = K('event_record');
        for (const bt of r.batches()) {
          for (let i = 0; i < bt.count; i++) {
            if (bt.kind[i] !== er) continue;
            const t = Number(bt.p[1][i]!) - 1;
            if (bt.p[0][i] !== next[t]) ordered = false;
            next[t]!++;
          }
        }
        expect(r.warnings.map((w) => w.code)).toEqual(['not_closed']);
      } finally {
        r.close();
      }
      expect(ordered).toBe(true);
      for (let t = 0; t < 4; t++) expect(next[t]!).toBeGreaterThanOrEqual(progress[t]! + 1n);
    }
  }, 60_000);

  it('a process hung in a sync and killed leaves the open sync_begin and heartbeats naming it', async () => {
    const out = path.join(tempDir(), 'hang.mpst');
    const child = spawn(b.prog('drv_hang'), [], {
      env: tracedEnv(b, out, { MPSTRACE_HANG_MS: '100' }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((res) => child.stdout!.once('data', () => res()));
    await sleep(800);
    child.kill('SIGKILL');
    await new Promise((res) => child.on('exit', res));
    const { recs, str, trace } = load(out);
    expect(trace.header.closedCleanly).toBe(false);
    const begin = recs.filter((r) => r.kind === 'sync_begin');
    expect(begin.map((r) => [str(r.f.api!), r.f.scope, r.f.target])).toEqual([['cudaStreamSynchronize', 2, 0xdeadn]]);
    expect(recs.filter((r) => r.kind === 'sync_end')).toEqual([]);
    const hb = recs.filter((r) => r.kind === 'heartbeat');
    expect(hb.length).toBeGreaterThanOrEqual(3);
    for (const h of hb) {
      expect(h.f.blocked_tid).toBe(begin[0]!.tid);
      expect(h.f.target).toBe(0xdeadn);
      expect(h.f.scope).toBe(2);
      expect(str(h.f.api!)).toBe('cudaStreamSynchronize');
      expect(h.f.since_ts as bigint).toBeGreaterThanOrEqual(begin[0]!.ts);
      expect(h.ts - (h.f.since_ts as bigint)).toBeGreaterThanOrEqual(100_000_000n);
    }
  }, 30_000);

  it('an annotated device sync is watched too, also after a hooked sync nested in it returns', () => {
    const out = path.join(tempDir(), 'devsync.mpst');
    const r = runTraced(b, 'drv_devsync', [], out, { MPSTRACE_HANG_MS: '100' });
    expect(r.status).toBe(0);
    const { recs, str } = load(out);
    const begin = recs.find((x) => x.kind === 'intent_device_sync_begin')!;
    const inner = recs.find((x) => x.kind === 'sync_end')!;
    const hb = recs.filter((x) => x.kind === 'heartbeat');
    expect(hb.length).toBeGreaterThanOrEqual(3);
    for (const h of hb) {
      expect([str(h.f.api!), h.f.scope, h.f.target]).toEqual(['empty_cache', 1, 0n]);
      expect(h.f.since_ts as bigint).toBeGreaterThanOrEqual(begin.ts);
      expect(h.f.since_ts as bigint).toBeLessThan(inner.ts);
    }
    expect(hb.some((h) => h.ts > inner.ts)).toBe(true);
  });

  it('SIGTERM writes process_end once, closes the file and still dies by the signal', async () => {
    const out = path.join(tempDir(), 'term.mpst');
    const child = spawn(b.prog('drv_hang'), [], { env: tracedEnv(b, out), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res) => child.stdout!.once('data', () => res()));
    child.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, string | null]>((res) => child.on('exit', (c, s) => res([c, s])));
    expect([code, signal]).toEqual([null, 'SIGTERM']);
    const { recs, trace } = load(out);
    expect(trace.warnings).toEqual([]);
    expect(trace.header.closedCleanly).toBe(true);
    // the file end, written from the signal handler, lists every record
    expect(trace.fileEnd?.records).toBe(trace.records.length + trace.stats.strings);
    expect(recs.filter((r) => r.kind === 'process_end').map((r) => r.f)).toEqual([{ status: 15, reason: 2 }]);
  }, 30_000);

  it('SIGSEGV and abort(): process_end once, closed file, and the process still dies by its signal', () => {
    for (const [what, sig, signo, reason] of [
      ['segv', 'SIGSEGV', 11, 2],
      ['abort', 'SIGABRT', 6, 4],
    ] as const) {
      const out = path.join(tempDir(), `${what}.mpst`);
      const r = runTraced(b, 'drv_crash', [what], out);
      expect(r.signal).toBe(sig);
      const { trace, recs } = load(out);
      expect(trace.warnings).toEqual([]);
      expect(trace.header.closedCleanly).toBe(true);
      expect(trace.fileEnd?.records).toBe(trace.records.length + trace.stats.strings);
      expect(recs.filter((x) => x.kind === 'event_record')).toHaveLength(1);
      expect(recs.filter((x) => x.kind === 'process_end').map((x) => x.f)).toEqual([{ status: signo, reason }]);
    }
  });

  it('a failed exec reopens the trace: the exec record, then later records and a normal end', () => {
    const out = path.join(tempDir(), 'execfail.mpst');
    const r = runTraced(b, 'drv_crash', ['execfail'], out);
    expect(r.status).toBe(5);
    const { trace, recs, str } = load(out);
    expect(trace.warnings).toEqual([]);
    expect(trace.header.closedCleanly).toBe(true);
    const kinds = recs.map((x) => x.kind).filter((k) => ['event_record', 'exec', 'process_end'].includes(k));
    expect(kinds).toEqual(['event_record', 'exec', 'process_end', 'event_record', 'process_end']);
    expect(str(recs.find((x) => x.kind === 'exec')!.f.path!)).toBe('/nonexistent/mpst-program');
    expect(recs.filter((x) => x.kind === 'process_end').map((x) => x.f)).toEqual([
      { status: 0, reason: 3 },
      { status: 5, reason: 1 },
    ]);
  });

  it('fork: the child writes its own file, linked by a fork record; exec: the new image gets its own file', () => {
    const dir = tempDir();
    const out = path.join(dir, 'fe.mpst');
    const r = runTraced(b, 'drv_fork_exec', [], out);
    expect(r.status).toBe(7);
    const parent = load(out);
    expect(parent.trace.warnings).toEqual([]);
    const pid = parent.trace.header.pid;
    const fork = parent.recs.filter((x) => x.kind === 'fork');
    expect(fork).toHaveLength(1);
    const childPid = fork[0]!.f.child_pid as number;
    expect(fork[0]!.f.parent_pid).toBe(pid);
    const childFile = parent.str(fork[0]!.f.child_file!)!;
    expect(childFile).toBe(path.join(dir, `fe.${childPid}.mpst`));
    const kinds = parent.recs.map((x) => x.kind).filter((k) => !['callsite', 'module', 'thread_start', 'thread_name'].includes(k));
    expect(kinds).toEqual(['process_start', 'event_record', 'fork', 'exec', 'process_end']);
    expect(parent.recs.find((x) => x.kind === 'process_end')!.f.reason).toBe(3);
    expect(parent.str(parent.recs.find((x) => x.kind === 'exec')!.f.path!)).toBe(b.prog('drv_fork_exec'));

    const child = load(childFile);
    expect(child.trace.warnings).toEqual([]);
    expect(child.trace.header.pid).toBe(childPid);
    expect(child.recs[0]!.f).toMatchObject({ pid: childPid, ppid: pid });
    expect(child.recs.filter((x) => x.kind === 'event_record').map((x) => x.f.event)).toEqual([0xe2n]);
    expect(child.recs.filter((x) => x.kind === 'callsite').length).toBeGreaterThan(0); // strings and sites defined again

    const execFile = path.join(dir, `fe.${pid}.exec1.mpst`);
    const img = load(execFile);
    expect(img.trace.warnings).toEqual([]);
    expect(img.trace.header.pid).toBe(pid);
    expect(img.recs.filter((x) => x.kind === 'event_record').map((x) => x.f.event)).toEqual([0xe3n]);
    expect(img.recs.filter((x) => x.kind === 'process_end').map((x) => x.f)).toEqual([{ status: 7, reason: 1 }]);
  });

  it("a child started by posix_spawn (no exec hook on that path) writes its own file, never its parent's", () => {
    const dir = tempDir();
    const out = path.join(dir, 'sp.mpst');
    const r = runTraced(b, 'drv_spawn', [], out);
    expect(r.status).toBe(0);
    const child = Number(/child=(\d+)/.exec(r.stdout)![1]);
    const parent = load(out);
    expect(parent.trace.warnings).toEqual([]);
    expect(parent.recs.filter((x) => x.kind === 'event_record').map((x) => x.f.event)).toEqual([0xa1n, 0xa2n]);
    const c = load(path.join(dir, `sp.${child}.mpst`));
    expect(c.trace.header.pid).toBe(child);
    expect(c.recs.filter((x) => x.kind === 'event_record').map((x) => x.f.event)).toEqual([0xc1n]);
  });

  it('timestamps follow CLOCK_MONOTONIC, also after the TSC clock takes over, and never go back', () => {
    const out = path.join(tempDir(), 'clock.mpst');
    const r = runTraced(b, 'drv_clock', ['1300'], out); // spans calibration (~100 ms) and a re-anchoring (~1.1 s)
    expect(r.status).toBe(0);
    const er = load(out).recs.filter((x) => x.kind === 'event_record');
    expect(er.length).toBeGreaterThan(500);
    let prev = 0n;
    for (const x of er.slice(1)) {
      const lag = x.ts - (x.f.event as bigint); // the record's ts is read just after the program's clock
      expect(lag).toBeGreaterThanOrEqual(-200_000n); // the TSC clock may be off by microseconds, never more
      expect(lag).toBeLessThan(100_000_000n); // a preempted thread may lag, but not by 100 ms
      expect(x.ts).toBeGreaterThanOrEqual(prev);
      prev = x.ts;
    }
    const lags = er
      .slice(1)
      .map((x) => Number(x.ts - (x.f.event as bigint)))
      .sort((a, b) => a - b);
    expect(lags[Math.floor(lags.length / 2)]!).toBeLessThan(50_000); // median within 50 us
  });

  it('a program that never touches CUDA yields a valid, nearly empty trace', () => {
    const out = path.join(tempDir(), 'true.mpst');
    const r = spawnSync('/bin/true', [], { env: tracedEnv(b, out) });
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    const { trace, recs } = load(out);
    expect(trace.warnings).toEqual([]);
    expect(trace.header.closedCleanly).toBe(true);
    expect(recs.map((x) => x.kind)).toEqual(['process_start', 'thread_start', 'thread_name', 'process_end']);
    expect(trace.header.major).toBe(2);
    expect(trace.fileEnd).toMatchObject({ chunks: 1, records: trace.records.length + trace.stats.strings });
  });
});
