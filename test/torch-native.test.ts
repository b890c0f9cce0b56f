// mpstrace.torch level full's C++ op observer (instrumentation/python/mpstrace/torch_hook.cpp):
// built against a real torch and run under the real recorder, it must record what the
// Python TorchDispatchMode records for the same ops on the same tensors (byte extents of
// views, read/write modes from the schemas), with the program's lines as call sites, in
// any Python thread. Needs a Python with torch and its C++ headers (scripts/torch-python.mjs:
// MPST_TORCH_PYTHON, else python3, else Debian's /usr/bin/python3 with python3-torch, which
// .ci/setup-system.sh installs: CI runs this on Debian's CPU torch 1.13) and a C++ compiler;
// skipped without them, saying so. The GPU machine's runs (torch 2.11) are the check on CUDA,
// see traces/cuda/races/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTrace, type LoadedTrace } from '../src/ingest/load.js';
import { TORCH_INSTALL, torchPython as findTorchPython } from '../scripts/torch-python.mjs';

const root = path.resolve(import.meta.dirname, '..');
const pyDir = path.join(root, 'instrumentation', 'python');
const recorderLib = path.join(root, 'instrumentation', 'build', 'libmpstrace_cuda.so');
const prog = path.join(root, 'test', 'torch_native_program.py');
const found = findTorchPython();
const torchPython = found.python ?? 'python3';
const haveTorch = process.platform === 'linux' && found.python !== null;
const haveCxx = spawnSync('c++', ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveCxx) console.warn('torch-native: the C++ op observer tests are skipped: no C++ compiler (c++). Enable: sudo apt-get install g++');
else if (!haveTorch)
  console.warn(
    process.platform !== 'linux'
      ? 'torch-native: the real-torch C++ observer tests are skipped: they run on Linux only (the recorder is LD_PRELOADed)'
      : `torch-native: the real-torch C++ observer tests are skipped: no Python with torch and its C++ headers (tried ${found.tried}). Enable: ${TORCH_INSTALL}`,
  );

type Row = Record<string, unknown>;
async function rows(t: LoadedTrace, sql: string): Promise<Row[]> {
  const r = await t.connection.runAndReadAll(sql);
  const plain = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v);
  return (r.getRowObjectsJS() as Row[]).map((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)])));
}

function lineOf(marker: string): number {
  const i = readFileSync(prog, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${marker} not in ${prog}`);
  return i + 1;
}

describe.skipIf(!haveCxx)('the C++ op observer records only the outermost op that touches bytes (no torch needed)', () => {
  it('skips ops nested in a recorded op, keeps the parts of composites', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mpst-nesting-'));
    try {
      const exe = path.join(dir, 'nesting');
      execFileSync('c++', [
        '-std=c++17',
        '-I',
        path.join(pyDir, 'mpstrace'),
        path.join(root, 'test', 'torch_hook_nesting_test.cpp'),
        '-o',
        exe,
      ]);
      const r = spawnSync(exe, [], { encoding: 'utf8' });
      expect(r.stdout).toBe('ok 6\n');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe.skipIf(!haveTorch || !haveCxx)('mpstrace.torch C++ op observer (real CPU torch)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mpst-torch-native-'));
  const trace = path.join(dir, 'prog.mpst');
  let t: LoadedTrace;
  let out: { hook: string | null; torch: string; x: number; w: number; failed: boolean; notes?: string[] };
  // accesses of each phase: op, where (which input tensor and offset, or "fresh"), bytes, mode
  const phase: Record<string, Row[]> = {};

  beforeAll(async () => {
    if (!existsSync(recorderLib)) execFileSync('make', ['-s', '-C', path.join(root, 'instrumentation')], { stdio: 'ignore' });
    const r = spawnSync(torchPython, [prog], {
      cwd: dir,
      encoding: 'utf8',
      // its own cache: the build is part of what is tested
      env: { ...process.env, PYTHONPATH: pyDir, MPSTRACE_OUT: trace, LD_PRELOAD: recorderLib, MPSTRACE_CACHE: path.join(dir, 'cache') },
      timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    console.info(`torch-native: torch ${out.torch} (${torchPython})`);
    t = await openTrace(trace, { progress: false });
    // phases by time: a second thread's records come after the main thread's in id order
    const marks = await rows(t, `SELECT ts, name FROM ev_marker ORDER BY ts`);
    const acc = await rows(
      t,
      `SELECT a.id, a.ts, a.op, a.ptr, a.bytes, a.base, a.mode, a.stream, a.tid,
      (SELECT c.symbol FROM callsites c WHERE c.site_id = a.site) AS sym,
      (SELECT c.module FROM callsites c WHERE c.site_id = a.site) AS mod FROM ev_tensor_access a ORDER BY a.id`,
    );
    for (let i = 0; i + 1 < marks.length; i++) {
      const [lo, hi] = [Number(marks[i]!.ts), Number(marks[i + 1]!.ts)];
      phase[String(marks[i]!.name)] = acc.filter((a) => Number(a.ts) > lo && Number(a.ts) < hi);
    }
  }, 320_000);
  afterAll(() => {
    t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const where = (a: Row) => {
    const p = Number(a.ptr);
    if (Number(a.base) === out.x) return `x+${p - out.x}`;
    if (Number(a.base) === out.w) return `w+${p - out.w}`;
    return 'fresh';
  };
  const key = (a: Row) => `${a.op} ${where(a)} ${a.bytes} ${a.mode}`;

  it('builds, loads and installs', () => {
    expect(out.hook, JSON.stringify(out.notes)).toBe('cpp');
    expect(out.failed).toBe(false);
  });

  it('records every access the Python dispatch mode records, byte for byte', () => {
    const py = phase.python!.map(key);
    const cpp = new Set(phase.cpp!.map(key));
    expect(py.length).toBeGreaterThan(8);
    expect(py.filter((k) => !cpp.has(k))).toEqual([]);
  });

  it('reads a view as its real byte extent, in-place ops as read+write and overwriting ones as writes', () => {
    const k = phase.cpp!.map(key);
    // y = x[:, 2:4]: 4 rows of 8 floats, columns 2..3: bytes 8 .. 8 + (3*8+1)*4 + 4
    expect(k).toContain('mul.Tensor x+8 104 read');
    expect(k).toContain('add_.Tensor x+0 128 read_write');
    // fill_ overwrites x without reading it
    expect(k).toContain('fill_.Scalar x+0 128 write');
    // the view itself launches nothing
    expect(phase.cpp!.some((a) => String(a.op).startsWith('slice'))).toBe(false);
    // cat([x, x]) reads x once
    expect(k.filter((s) => s === 'cat.default x+0 128 read')).toHaveLength(1);
    // linear is composite: its parts are recorded (the weight is read), not linear itself
    expect(phase.cpp!.some((a) => String(a.op).startsWith('linear'))).toBe(false);
    expect(k.some((s) => / w\+0 96 read$/.test(s))).toBe(true);
    expect(new Set(phase.cpp!.map((a) => a.stream))).toEqual(new Set([0]));
  });

  it('records an op nested in another op once, as the outer op (a race is reported once)', () => {
    // x.to(float64): _to_copy, whose kernel calls copy_ (observed too, not recorded)
    const k = phase.cpp!.map(key);
    expect(k).toContain('_to_copy.default x+0 128 read');
    expect(k.filter((s) => s.startsWith('_to_copy.default fresh 256 write'))).toHaveLength(1);
    expect(phase.cpp!.filter((a) => String(a.op).startsWith('copy_'))).toEqual([]);
    // no access twice where the dispatch mode (which sees no nested ops) has it once
    const count = (ks: string[]) => ks.reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<string, number>());
    const py = count(phase.python!.map(key));
    const twice = [...count(k)].filter(([s, n]) => n > (py.get(s) ?? 0) && py.has(s));
    expect(twice).toEqual([]);
  });

  it('names the program line of each op as its call site, in every thread', () => {
    for (const [op, marker] of [
      ['mul.Tensor', 'op:mul'],
      ['add_.Tensor', 'op:add_'],
      ['cat.default', 'op:cat'],
      ['flip.default', 'op:flip'],
    ] as const) {
      const a = phase.cpp!.find((r) => r.op === op)!;
      expect(a, op).toBeDefined();
      expect({ op, sym: a.sym, mod: a.mod }).toEqual({ op, sym: `ops:${lineOf(marker)}`, mod: prog });
    }
    const th = phase.thread!;
    expect(th.length).toBeGreaterThan(0);
    expect(th[0]).toMatchObject({ op: 'mul_.Tensor', sym: `worker:${lineOf('op:thread')}`, mod: prog });
    expect(th[0]!.tid).not.toBe(phase.cpp![0]!.tid);
  });
});
