// The PyTorch layer (instrumentation/python/mpstrace/torch.py): its Python unit
// tests against a stand-in torch (test/torch_layer_companion.py, test/fake_torch),
// then an unmodified program importing that stand-in under the real recorder: the
// layer installs itself through instrumentation/python/sitecustomize.py and its
// records (with the program's own lines as call sites) are read back with openTrace.
// The unit tests that need a real torch (RealDispatch: the dispatch mode on CPU tensors)
// run again under the Python with torch (scripts/torch-python.mjs: in CI Debian's
// /usr/bin/python3 with torch 1.13); every unit test skipped is named in the output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTrace, type LoadedTrace } from '../src/ingest/load.js';
import { TORCH_INSTALL, torchPython as findTorchPython } from '../scripts/torch-python.mjs';

const root = path.resolve(import.meta.dirname, '..');
const pyDir = path.join(root, 'instrumentation', 'python');
const fakeTorch = path.join(root, 'test', 'fake_torch');
const python = spawnSync('python3', ['--version']).status === 0;
const interpreter = python ? spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim() : '';
const recorderLib = path.join(root, 'instrumentation', 'build', 'libmpstrace_cuda.so');
const linux = process.platform === 'linux';
const torch = findTorchPython();
if (!torch.python)
  console.warn(
    `torch-layer: the real-torch unit tests (torch_layer_companion.RealDispatch) are skipped: no Python with torch and its C++ headers (tried ${torch.tried}). Enable: ${TORCH_INSTALL}`,
  );

/** The unit tests a `python -m unittest -v` run skipped: `Class.test (reason)`. */
function skippedUnitTests(stderr: string): string[] {
  // "test_x (module.Class.test_x) ... skipped 'why'" (a docstring's first line may sit before the "...")
  return [...stderr.matchAll(/\(\w+\.(\w+\.\w+)\)(?:\n[^\n]*?)? \.\.\. skipped '([^\n]*)'$/gm)].map((m) => `${m[1]} (${m[2]})`);
}

async function rows(t: LoadedTrace, sql: string): Promise<Record<string, unknown>[]> {
  const r = await t.connection.runAndReadAll(sql);
  const plain = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v);
  return (r.getRowObjectsJS() as Record<string, unknown>[]).map((o) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)])),
  );
}

function lineOf(file: string, marker: string): number {
  const i = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${marker} not in ${file}`);
  return i + 1;
}

describe.skipIf(!python)('mpstrace.torch (stand-in torch)', () => {
  beforeAll(() => {
    if (linux && !existsSync(recorderLib)) execFileSync('make', ['-s', '-C', path.join(root, 'instrumentation')], { stdio: 'ignore' });
  }, 120_000);

  it('passes its Python unit tests', () => {
    const r = spawnSync(interpreter, ['-m', 'unittest', '-v', 'torch_layer_companion'], {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        PYTHONPATH: [pyDir, path.join(root, 'test')].join(path.delimiter),
        MPST_RECORDER_LIB: linux ? recorderLib : '',
      },
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Ran 4[0-9] tests/);
    expect(r.stderr).toMatch(/OK( \(skipped=\d+\))?\s*$/);
    // only RealDispatch may skip here (python3 without torch); it runs in the next test
    const skipped = skippedUnitTests(r.stderr);
    if (skipped.length > 0)
      (torch.python ? console.info : console.warn)(
        `torch-layer: ${interpreter} skipped ${skipped.length} unit test(s): ${skipped.join('; ')}` +
          (torch.python ? `; RealDispatch runs under ${torch.python} in the next test` : ''),
      );
    expect(skipped.filter((t) => !t.startsWith('RealDispatch.'))).toEqual([]);
    expect(skipped.length).toBe(Number(/skipped=(\d+)/.exec(r.stderr)?.[1] ?? 0));
  }, 130_000);

  it.skipIf(!torch.python)(
    'passes its real-torch unit tests (RealDispatch) under a Python with torch',
    () => {
      const r = spawnSync(torch.python!, ['-m', 'unittest', '-v', 'torch_layer_companion.RealDispatch'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: [pyDir, path.join(root, 'test')].join(path.delimiter) },
        timeout: 120_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Ran [1-9]\d* tests?/);
      expect(skippedUnitTests(r.stderr)).toEqual([]);
      expect(r.stderr).toMatch(/\nOK\s*$/);
    },
    130_000,
  );
});

describe.skipIf(!python || !linux)('mpstrace.torch auto-installed under the recorder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mpst-torch-layer-'));
  const trace = path.join(dir, 'prog.mpst');
  const prog = path.join(root, 'test', 'torch_layer_program.py');
  let t: LoadedTrace;
  let side = 0;

  beforeAll(async () => {
    // plain LD_PRELOAD + PYTHONPATH, as the README's recipe: no mpstrace import in the program
    const r = spawnSync(interpreter, [prog], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        PYTHONPATH: [pyDir, fakeTorch].join(path.delimiter),
        MPSTRACE_OUT: trace,
        LD_PRELOAD: recorderLib,
        MPSTRACE_TORCH: '',
      },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/elapsed_time raised: Both events must be created/);
    side = Number(/side=(\d+)/.exec(r.stdout)![1]);
    t = await openTrace(trace, { progress: false });
  }, 120_000);
  afterAll(() => {
    t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const site = (col = 'site') =>
    `(SELECT c.symbol FROM callsites c WHERE c.site_id = ${col}) AS sym, (SELECT c.module FROM callsites c WHERE c.site_id = ${col}) AS mod`;

  it('says it is on', async () => {
    // the stand-in torch makes no CUDA call, which the loader rightly points out
    expect(t.warnings.filter((w) => w.code !== 'no_backend_calls')).toEqual([]);
    const l = await rows(t, `SELECT level, ok, message FROM ev_api_layer`);
    expect(l).toHaveLength(1);
    expect(l[0]).toMatchObject({ level: 'api', ok: 1 });
    expect(String(l[0]!.message)).toMatch(/^torch 0\.0-fake, level api, cuda: \d+ entry points wrapped/);
    // its records go through the recorder's C built-ins, not ctypes
    expect(String(l[0]!.message)).toMatch(/recorder called through C built-ins/);
  });

  it('records the public API calls with the program lines as call sites', async () => {
    const sync = await rows(t, `SELECT target, scope, api, ${site()} FROM ev_api_sync_begin ORDER BY id`);
    expect(sync).toEqual([
      { target: 0, scope: 'device', api: 'torch.cuda.synchronize', sym: `main:${lineOf(prog, 'LINE-SYNC')}`, mod: prog },
    ]);
    const rec = await rows(t, `SELECT event, stream, ${site()} FROM ev_intent_record ORDER BY id`);
    // a fresh event has no handle before its first record: event 0
    expect(rec[0]).toEqual({ event: 0, stream: side, sym: `main:${lineOf(prog, 'LINE-RECORD')}`, mod: prog });
    const cur = await rows(t, `SELECT stream, prev FROM ev_api_current_stream ORDER BY id`);
    expect(cur).toEqual([
      { stream: side, prev: 0 },
      { stream: 0, prev: side },
    ]);
    const el = await rows(t, `SELECT elapsed_ns, start_timing, end_timing, raised, ${site()} FROM ev_api_elapsed`);
    expect(el).toEqual([
      { elapsed_ns: -1, start_timing: 0, end_timing: 0, raised: 1, sym: `main:${lineOf(prog, 'LINE-ELAPSED')}`, mod: prog },
    ]);
  });

  it('gives backend records made inside a wrapped call the same site', async () => {
    const m = await rows(t, `SELECT name, ${site()} FROM ev_marker`);
    expect(m).toEqual([{ name: 'backend cudaDeviceSynchronize', sym: `main:${lineOf(prog, 'LINE-SYNC')}`, mod: prog }]);
  });
});
