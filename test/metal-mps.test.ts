// The PyTorch MPS companion (instrumentation/python/mpstrace/mps.py, a thin layer
// over mpstrace.torch): unit tests against a fake torch.mps
// (test/metal_mps_companion.py), then the same wrappers driving the real
// recorder's entry points through ctypes, with the trace checked through
// openTrace. No torch and no Mac are needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTrace, type LoadedTrace } from '../src/ingest/load.js';

const root = path.resolve(import.meta.dirname, '..');
const pythonPath = [path.join(root, 'instrumentation', 'python'), path.join(root, 'test')].join(path.delimiter);
const python = spawnSync('python3', ['--version']).status === 0;
// The interpreter itself, not a launcher (a pyenv shim execs several
// processes, and each exec starts a new trace file).
const interpreter = python ? spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim() : '';
const recorderLib = path.join(root, 'instrumentation', 'build', 'libmpstrace_cuda.so');

async function rows(t: LoadedTrace, sql: string): Promise<Record<string, unknown>[]> {
  const r = await t.connection.runAndReadAll(sql);
  const plain = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v);
  return (r.getRowObjectsJS() as Record<string, unknown>[]).map((o) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)])),
  );
}

describe.skipIf(!python)('mpstrace.mps companion (fake torch.mps)', () => {
  it('passes its Python unit tests', () => {
    const r = spawnSync('python3', ['-m', 'unittest', '-v', 'metal_mps_companion'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: pythonPath, MPST_E2E_OUT: '' },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Ran 8 tests/);
    expect(r.stderr).toMatch(/OK \(skipped=1\)/);
  });
});

// The Linux recorder library carries the same portable runtime and annotation
// entry points the Metal dylib links; it stands in for the dylib here.
describe.skipIf(!python || process.platform !== 'linux')('mpstrace.mps companion through the recorder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mpst-mps-py-'));
  const trace = path.join(dir, 'py.mpst');
  let t: LoadedTrace;

  beforeAll(async () => {
    if (!existsSync(recorderLib)) execFileSync('make', ['-s', '-C', path.join(root, 'instrumentation')], { stdio: 'ignore' });
    const r = spawnSync(interpreter, ['-m', 'unittest', 'metal_mps_companion.E2E'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: pythonPath, MPST_E2E_OUT: trace, MPSTRACE_OUT: trace, LD_PRELOAD: recorderLib },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    t = await openTrace(trace, { progress: false });
  }, 120_000);
  afterAll(() => {
    t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the torch layer records: syncs, intents, current stream, slots, queries, elapsed time', async () => {
    // the stand-in torch.mps makes no Metal call, which the loader rightly points out
    expect(t.warnings.filter((w) => w.code !== 'no_backend_calls')).toEqual([]);
    // without the Metal dylib the stream handle is the PyTorch ordinal (1: first pool stream)
    const intents = await rows(t, `SELECT what, stream FROM intents ORDER BY id`);
    expect(intents).toEqual([
      { what: 'record', stream: 1 },
      { what: 'record', stream: 1 },
    ]);
    const syncs = await rows(t, `SELECT target <> 0 AS has_target, scope, api FROM ev_api_sync_begin ORDER BY id`);
    expect(syncs).toEqual([
      { has_target: false, scope: 'device', api: 'torch.mps.synchronize' },
      { has_target: true, scope: 'event', api: 'torch.mps.Event.synchronize' },
    ]);
    const cur = await rows(t, `SELECT stream, prev FROM ev_api_current_stream`);
    expect(cur).toEqual([{ stream: 1, prev: 0 }]);
    const slots = await rows(t, `SELECT slot, stream, how, source FROM slot_spans ORDER BY start_id`);
    expect(slots).toEqual([{ slot: 1, stream: 1, how: 'acquire', source: 'annotation' }]);
    const elapsed = await rows(t, `SELECT elapsed_ns, start_timing, end_timing, raised FROM ev_api_elapsed ORDER BY id`);
    expect(elapsed).toEqual([
      { elapsed_ns: 1_500_000, start_timing: 1, end_timing: 1, raised: 0 },
      { elapsed_ns: -1, start_timing: 0, end_timing: 1, raised: 1 },
    ]);
    const q = await rows(t, `SELECT result FROM ev_event_query`);
    expect(q).toEqual([{ result: 0 }]);
  });
});
