// The real-run programs under traces/programs/ need a GPU and torch; these
// tests check what can be checked without them: every file compiles, the
// stream-pool runtime declares each audit finding through the annotation API
// in its buggy form and none in its fixed form (on a simulated GPU), and the
// torch-free trace summarizer used on the GPU machine reads the format.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { upgradeToV2 } from './format-upgrade-util.js';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const programs = path.join(root, 'traces/programs');
const python = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0 ? 'python3' : null;

function py(args: string[]) {
  const r = spawnSync(python!, args, {
    cwd: programs,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: '' },
    timeout: 30_000,
  });
  return r;
}

type Ann = [string, string, ...unknown[]];
interface SelfTest {
  annotations: Ann[];
  observed: string[];
  failed: string[];
  retained: number;
  backend_calls: unknown[][];
}

function selftest(fixed: boolean, scenario = 'all'): SelfTest {
  const r = py(['selftest_pool.py', '--scenario', scenario, ...(fixed ? ['--fixed'] : [])]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as SelfTest;
}

/** Replays slot annotations; returns the ownership violations the double-owned-slot rule looks for. */
function ownershipViolations(anns: Ann[]): string[] {
  const owner = new Map<number, Set<string>>();
  const out: string[] = [];
  for (const [name, thread, slot] of anns) {
    if (typeof slot !== 'number') continue;
    const set = owner.get(slot) ?? new Set<string>();
    owner.set(slot, set);
    if (name === 'slot_acquire') {
      if ([...set].some((t) => t !== thread)) out.push(`acquire of owned slot ${slot} by ${thread}`);
      set.add(thread);
    } else if (name === 'slot_set_current') {
      if (!set.has(thread)) out.push(`set-current onto slot ${slot} not owned by ${thread}`);
    } else if (name === 'slot_release') {
      if (!set.has(thread)) out.push(`release of slot ${slot} not owned by ${thread}`);
      set.delete(thread);
    }
  }
  return out;
}

function stillOwned(anns: Ann[]): number {
  const owned = new Map<number, number>();
  for (const [name, , slot] of anns) {
    if (typeof slot !== 'number') continue;
    if (name === 'slot_acquire') owned.set(slot, (owned.get(slot) ?? 0) + 1);
    if (name === 'slot_release') owned.set(slot, Math.max(0, (owned.get(slot) ?? 0) - 1));
  }
  return [...owned.values()].reduce((a, b) => a + b, 0);
}

function liveObjects(anns: Ann[]): number {
  const live = new Set<unknown>();
  for (const [name, , obj] of anns) {
    if (name === 'object_create') live.add(obj);
    if (name === 'object_destroy') live.delete(obj);
  }
  return live.size;
}

/** Intent (event -> requested stream) against the backend call actually made for that event. */
function streamMismatches(t: SelfTest): number {
  const intents = t.annotations.filter((a) => a[0] === 'intent_record' || a[0] === 'intent_wait');
  const calls = t.backend_calls.filter((c) => c[0] === 'record' || c[0] === 'wait');
  let n = 0;
  for (const [kind, , ev, stream] of intents) {
    const want = kind === 'intent_record' ? 'record' : 'wait';
    const call = calls.find((c) => c[0] === want && c[1] === ev);
    expect(call, `backend ${want} for event ${ev}`).toBeDefined();
    if (call![2] !== stream) n++;
  }
  return n;
}

describe.skipIf(!python)('traces/programs (no GPU needed)', () => {
  it('every program compiles and device_run.sh parses', () => {
    const files = readdirSync(programs).filter((f) => f.endsWith('.py'));
    expect(files).toEqual(expect.arrayContaining(['train_prefetch.py', 'mt_inference.py', 'timing_events.py', 'stream_pool.py']));
    const code = `import ast,sys\nfor f in sys.argv[1:]:\n    ast.parse(open(f).read(), f)\n`;
    const r = py(['-c', code, ...files]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const sh = spawnSync('bash', ['-n', path.join(programs, 'device_run.sh')], { encoding: 'utf8' });
    expect(sh.stderr).toBe('');
    expect(sh.status).toBe(0);
  });

  it('the buggy pool shows every audit finding, in effect and in its annotations', () => {
    const t = selftest(false);
    expect(t.failed).toEqual([]);
    expect(t.observed).toHaveLength(6);
    for (const line of t.observed) expect(line).toMatch(/variant=buggy bug_effect=yes/);
    // 2: intents name one stream, the backend used another
    expect(streamMismatches(t)).toBeGreaterThanOrEqual(2);
    // 3: set-current onto a free slot, a second acquire of it, release by a non-owner
    const v = ownershipViolations(t.annotations);
    expect(v.some((s) => s.startsWith('set-current onto slot 1'))).toBe(true);
    expect(v.some((s) => s.startsWith('acquire of owned slot 1'))).toBe(true);
    expect(v.some((s) => s.startsWith('release of slot 1 not owned by slot-a'))).toBe(true);
    // ... and set-current onto the slot another thread (slot-b) holds
    expect(v).toContain('set-current onto slot 1 not owned by slot-d');
    // 5: command batches still alive after their streams were destroyed
    expect(liveObjects(t.annotations)).toBe(3);
    expect(t.retained).toBe(3);
    // 6: slots never released, the pool ran dry, one acquire waited
    expect(stillOwned(t.annotations)).toBeGreaterThanOrEqual(5);
    const acquires = t.annotations.filter((a) => a[0] === 'slot_acquire');
    expect(acquires.some((a) => a[4] === 0)).toBe(true);
    expect(acquires.some((a) => (a[5] as number) > 0)).toBe(true);
    expect(t.annotations.some((a) => a[0] === 'marker' && a[2] === 'pool: pool exhausted')).toBe(true);
    // 1: one device-sync intent that synchronized a single stream
    expect(t.annotations.filter((a) => a[0] === 'device_sync_begin')).toHaveLength(1);
  });

  it('the fixed pool shows none of them', () => {
    const t = selftest(true);
    expect(t.failed).toEqual([]);
    for (const line of t.observed) expect(line).toMatch(/variant=fixed bug_effect=no/);
    expect(streamMismatches(t)).toBe(0);
    expect(ownershipViolations(t.annotations)).toEqual([]);
    expect(liveObjects(t.annotations)).toBe(0);
    expect(t.annotations.filter((a) => a[0] === 'object_create').length).toBeGreaterThan(0);
    expect(stillOwned(t.annotations)).toBe(0);
    expect(t.annotations.filter((a) => a[0] === 'slot_acquire').every((a) => a[5] === 0)).toBe(true);
    // the fixed device sync synchronizes every pool stream
    const syncs = t.backend_calls.filter((c) => c[0] === 'sync_stream').length;
    expect(syncs).toBeGreaterThanOrEqual(8);
  });

  it('one scenario can be run alone, by number or name; an unknown one is refused', () => {
    const t = selftest(false, '3');
    expect(t.observed).toHaveLength(1);
    expect(t.observed[0]).toMatch(/scenario=double-owned-slot variant=buggy bug_effect=yes/);
    expect(t.annotations.filter((a) => a[0] === 'marker').map((a) => a[2])).toEqual(['scenario:double-owned-slot:buggy']);
    // 7 (elapsed-hang) is not part of 'all': it is meant to be killed by a timeout
    const hang = selftest(false, '7');
    expect(hang.observed.at(-1)).toMatch(/scenario=elapsed-hang variant=buggy bug_effect=yes/);
    expect(hang.backend_calls.filter((c) => c[0] === 'record')).toHaveLength(2);
    const bad = py(['selftest_pool.py', '--scenario', 'nope']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown scenario 'nope'/);
  });
});

// --- trace_summary.py: a torch-free reader for the GPU machine's log --------
function checksum32(words: Uint32Array): number {
  let x = 0x811c9dc5;
  for (const w of words) {
    x = (((x << 5) | (x >>> 27)) ^ w) >>> 0;
    x = Math.imul(x, 0x9e3779b1) >>> 0;
  }
  return (x ^ (x >>> 16)) & 0xffff;
}

function record(kind: number, ts: bigint, payload: Buffer): Buffer {
  const size = 16 + Math.ceil(payload.length / 8) * 8;
  const b = Buffer.alloc(size);
  payload.copy(b, 16);
  b.writeBigInt64LE(ts, 8);
  b.writeUInt32LE(kind | ((size / 8) << 8), 0);
  b.writeUInt32LE(7, 4); // site
  const words = new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + size));
  b.writeUInt16LE(checksum32(words), 2);
  return b;
}

function traceFile(corruptSecond: boolean): Buffer {
  const chunkBytes = 4096;
  const header = Buffer.alloc(64);
  header.write('MPSTRACE', 0, 'latin1');
  header.writeUInt16LE(1, 8);
  header.writeUInt32LE(64, 12);
  header.writeUInt32LE(chunkBytes, 16);
  header.writeUInt32LE(2, 20); // closed cleanly
  header.writeUInt32LE(4242, 24);
  header[32] = 1; // cuda
  const chunk = Buffer.alloc(chunkBytes);
  chunk.write('MPCK', 0, 'latin1');
  chunk.writeBigUInt64LE(99n, 8);
  const text = Buffer.from('mpstrace-cuda test');
  const str = Buffer.alloc(8 + text.length);
  str.writeUInt32LE(1, 0);
  str.writeUInt32LE(text.length, 4);
  text.copy(str, 8);
  const start = Buffer.alloc(16);
  start.writeUInt32LE(4242, 0);
  start[8] = 1;
  start.writeUInt32LE(1, 12); // recorder = string 1
  const submit = Buffer.alloc(16);
  submit.writeBigUInt64LE(0xabcn, 0);
  const recs = [record(9, 1n, str), record(1, 2n, start), record(40, 3n, submit), record(40, 4n, submit)];
  if (corruptSecond) recs[2][20] ^= 0xff;
  let off = 32;
  for (const r of recs) {
    r.copy(chunk, off);
    off += r.length;
  }
  return Buffer.concat([header, chunk]);
}

describe.skipIf(!python)('traces/programs/trace_summary.py', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpst-summary-'));

  it('counts records per kind and names the recorder', () => {
    const f = path.join(dir, 'ok.mpst');
    writeFileSync(f, traceFile(false));
    const r = py(['trace_summary.py', f, '--json']);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ backend: 'cuda', closed_cleanly: true, pid: 4242, threads: 1, records: 4, bad_records: 0 });
    expect(s.kinds).toEqual({ submit: 2, string: 1, process_start: 1 });
    expect(s.recorder).toBe('mpstrace-cuda test');
  });

  it('reports a damaged record with its byte offset and exits 1', () => {
    const f = path.join(dir, 'bad.mpst');
    writeFileSync(f, traceFile(true));
    const r = py(['trace_summary.py', f]);
    expect(r.status).toBe(1);
    const recOffset = 64 + 32 + 48 + 32; // file header, chunk header, string (16 + 8 + 18 B padded to 48), process_start
    expect(r.stdout).toContain(`problem at byte ${recOffset}: bad check on a record of kind 40`);
    expect(r.stdout).toMatch(/records=3 bad=1/);
  });

  it('reads format 2 (CRC-16 checks, file end) like format 1, and reports records its file end lists but the file lacks', () => {
    const v1 = path.join(root, 'traces/cuda/timing_events.mpst');
    const f2 = path.join(dir, 'v2.mpst');
    const good = upgradeToV2(readFileSync(v1));
    writeFileSync(f2, good);
    const a = JSON.parse(py(['trace_summary.py', v1, '--json']).stdout);
    const r = py(['trace_summary.py', f2, '--json']);
    expect(r.status).toBe(0);
    const b = JSON.parse(r.stdout);
    expect(b).toMatchObject({ version: '2.0', file_end: true, records_missing: 0, records: a.records, kinds: a.kinds, problems: [] });
    // a zeroed range at the end of chunk 0's records: only the file end can tell
    const bad = Buffer.from(good);
    bad.fill(0, 64 + 65536 - 4096, 64 + 65536);
    const f3 = path.join(dir, 'v2-zeroed.mpst');
    writeFileSync(f3, bad);
    const z = py(['trace_summary.py', f3, '--json']);
    expect(z.status).toBe(1);
    const zs = JSON.parse(z.stdout);
    expect(zs.records_missing).toBeGreaterThan(0);
    expect(zs.problems.map((p: { message: string }) => p.message).join('\n')).toMatch(/records the file end lists are missing/);
    // cut at a chunk boundary
    const f4 = path.join(dir, 'v2-cut.mpst');
    writeFileSync(f4, good.subarray(0, 64 + 65536));
    expect(py(['trace_summary.py', f4]).stdout).toContain('no file end: the file was cut');
  });

  it('refuses a file that is not a trace, without a traceback', () => {
    const f = path.join(dir, 'not.mpst');
    writeFileSync(f, 'hello');
    const r = py(['trace_summary.py', f]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('not an mpstrace file');
  });
});
