// `mpstrace record` end to end (injection, exit codes, signal forwarding,
// summary) and the Python annotation module, against the stand-in libcudart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildRecorder, canBuild, load, root, tempDir, type Built } from './recorder-util.js';
import { cleanup } from './recorder-util.js';
import { recorderEnv } from '../src/record/launch.js';
import { resolveBackend } from '../src/record/library.js';

const cli = path.join(root, 'bin', 'mpstrace.js');
const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout?.trim();

describe('record: environment and backend choice', () => {
  it('appends to LD_PRELOAD and PYTHONPATH, sets an absolute MPSTRACE_OUT, drops inherited exec state', () => {
    const env = recorderEnv({
      backend: 'cuda',
      library: '/x/libmpstrace_cuda.so',
      out: 'rel.mpst',
      env: { LD_PRELOAD: '/a.so', PYTHONPATH: '/p', MPSTRACE_STEM: '/old', MPSTRACE_EXEC_DEPTH: '2', MPSTRACE_PID: '1' },
    });
    expect(env.LD_PRELOAD).toBe('/a.so:/x/libmpstrace_cuda.so');
    expect(env.MPSTRACE_OUT).toBe(path.resolve('rel.mpst'));
    expect(env.PYTHONPATH).toBe(`${path.join(root, 'instrumentation', 'python')}:/p`);
    expect(env.MPSTRACE_STEM).toBeUndefined();
    expect(env.MPSTRACE_EXEC_DEPTH).toBeUndefined();
    expect(env.MPSTRACE_PID).toBeUndefined();
    const mac = recorderEnv({ backend: 'metal', library: '/m.dylib', out: '/t.mpst', env: {} });
    expect(mac.DYLD_INSERT_LIBRARIES).toBe('/m.dylib');
    expect(mac.LD_PRELOAD).toBeUndefined();
  });

  it("--torch sets MPSTRACE_TORCH for the PyTorch layer; unset, the environment's value stays", () => {
    expect(recorderEnv({ backend: 'cuda', library: '/l.so', out: '/t.mpst', env: {}, torch: 'off' }).MPSTRACE_TORCH).toBe('off');
    expect(recorderEnv({ backend: 'cuda', library: '/l.so', out: '/t.mpst', env: { MPSTRACE_TORCH: 'full' } }).MPSTRACE_TORCH).toBe('full');
    const r = spawnSync(process.execPath, [cli, 'record', '--torch', 'most', '--', '/bin/true'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--torch must be one of off, api, full, not 'most'/);
  });

  it("--completions sets MPSTRACE_COMPLETIONS for the CUDA recorder; unset, the environment's value stays", () => {
    expect(recorderEnv({ backend: 'cuda', library: '/l.so', out: '/t.mpst', env: {}, completions: 'sampled' }).MPSTRACE_COMPLETIONS).toBe(
      'sampled',
    );
    expect(
      recorderEnv({ backend: 'cuda', library: '/l.so', out: '/t.mpst', env: { MPSTRACE_COMPLETIONS: 'off' } }).MPSTRACE_COMPLETIONS,
    ).toBe('off');
    const r = spawnSync(process.execPath, [cli, 'record', '--completions', 'some', '--', '/bin/true'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--completions must be one of cupti, sampled, off, not 'some'/);
  });

  it('auto picks metal on macOS and cuda elsewhere; bad names are usage errors', () => {
    expect(resolveBackend('auto', 'darwin')).toBe('metal');
    expect(resolveBackend('auto', 'linux')).toBe('cuda');
    expect(() => resolveBackend('rocm')).toThrow(/auto, cuda or metal/);
  });
});

describe.skipIf(!canBuild)('mpstrace record (stand-in libcudart)', () => {
  let b: Built;
  const env = () => ({ ...process.env, MPSTRACE_LIB: b.lib, MPSTRACE_CUPTI: '0' });

  afterAll(cleanup);
  beforeAll(() => {
    b = buildRecorder();
  }, 180_000);

  it("returns the child's exit code and prints the trace path, the forked/exec'ed files and a summary", () => {
    const dir = tempDir();
    const out = path.join(dir, 'run.mpst');
    const r = spawnSync(process.execPath, [cli, 'record', '-o', out, '--', b.prog('drv_fork_exec')], { env: env(), encoding: 'utf8' });
    expect(r.status).toBe(7);
    expect(r.stderr).toContain(`trace written to ${out}`);
    expect(r.stderr).toMatch(/2 more from forked\/exec'ed processes: run\.\d+\.exec1\.mpst, run\.\d+\.mpst/);
    expect(r.stderr).toMatch(/backend\s+cuda/);
    expect(load(out).trace.header.closedCleanly).toBe(true);
  });

  it('forwards SIGTERM to the child and exits 128+15; the trace is closed by the signal', async () => {
    const out = path.join(tempDir(), 'term.mpst');
    const p = spawn(process.execPath, [cli, 'record', '--no-summary', '-o', out, '--', b.prog('drv_hang')], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    p.stderr!.on('data', (d) => (stderr += d));
    await new Promise<void>((res) => p.stdout!.once('data', () => res()));
    p.kill('SIGTERM');
    const code = await new Promise<number | null>((res) => p.on('exit', (c) => res(c)));
    expect(code).toBe(143);
    expect(stderr).toContain('was killed by SIGTERM');
    const { trace, recs } = load(out);
    expect(trace.header.closedCleanly).toBe(true);
    expect(recs.filter((x) => x.kind === 'process_end').map((x) => x.f)).toEqual([{ status: 15, reason: 2 }]);
  }, 30_000);

  it('a command that does not exist is a usage error (exit 2)', () => {
    const r = spawnSync(process.execPath, [cli, 'record', '-o', path.join(tempDir(), 'x.mpst'), '--', 'no-such-program-mpst'], {
      env: env(),
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('command not found: no-such-program-mpst');
  });

  it.skipIf(!python)('the Python module records every annotation under the recorder and is a no-op without it', () => {
    const dir = tempDir();
    const script = path.join(dir, 'prog.py');
    writeFileSync(
      script,
      [
        'import threading, mpstrace',
        'print("enabled", mpstrace.enabled())',
        'mpstrace.slot_acquire(2, 0x77, 3, 10)',
        'mpstrace.slot_set_current(1, 0x78, 2)',
        'mpstrace.slot_release(2, 0x77, at_thread_exit=True)',
        'with mpstrace.device_sync("empty_cache"): pass',
        'mpstrace.intent_record(0xe1, 0x51); mpstrace.intent_wait(0xe2, 0x52)',
        'with mpstrace.range("step"): mpstrace.marker("m")',
        'mpstrace.buffer_access(0x1000, 64, 0x51, "w")',
        'mpstrace.object_create(0xb0, 0x77, 4096, "command_buffer"); mpstrace.object_destroy(0xb0, 1)',
        'try:\n    mpstrace.object_create(1, 2, 3, "widget")\nexcept ValueError as e:\n    print("bad type:", e)',
        't = threading.Thread(target=lambda: mpstrace.marker("from thread"), name="worker"); t.start(); t.join()',
        'try:\n    mpstrace.buffer_access(0, 1, 0, "x")\nexcept ValueError as e:\n    print("bad mode:", e)',
      ].join('\n'),
    );
    const plain = spawnSync(python!, [script], {
      env: { ...process.env, PYTHONPATH: path.join(root, 'instrumentation', 'python') },
      encoding: 'utf8',
    });
    expect(plain.stdout).toContain('enabled False');
    expect(plain.status).toBe(0);
    const out = path.join(dir, 'py.mpst');
    const r = spawnSync(process.execPath, [cli, 'record', '--no-summary', '-o', out, '--', python!, script], {
      env: env(),
      encoding: 'utf8',
    });
    expect(r.stdout).toContain('enabled True');
    expect(r.stdout).toContain("bad mode: mpstrace.buffer_access: mode must be 'r', 'w' or 'rw'");
    expect(r.status).toBe(0);
    const { recs, str } = load(out);
    const f = (k: string) => recs.filter((x) => x.kind === k).map((x) => x.f);
    expect(f('slot_acquire')).toEqual([{ stream: 0x77n, slot: 2, free_after: 3, wait_ns: 10n, source: 1 }]);
    expect(f('slot_set_current')).toEqual([{ stream: 0x78n, slot: 1, prev_slot: 2, source: 1 }]);
    expect(f('slot_release')).toEqual([{ stream: 0x77n, slot: 2, free_after: -1, at_thread_exit: 1, source: 1 }]);
    expect(f('intent_device_sync_begin').map((x) => str(x.name!))).toEqual(['empty_cache']);
    expect(f('intent_device_sync_end').map((x) => str(x.name!))).toEqual(['empty_cache']);
    expect(f('intent_record')).toEqual([{ event: 0xe1n, stream: 0x51n }]);
    expect(f('intent_wait')).toEqual([{ event: 0xe2n, stream: 0x52n }]);
    expect(f('range_push').map((x) => str(x.name!))).toEqual(['step']);
    expect(f('range_pop')).toHaveLength(1);
    expect(f('buffer_access')).toEqual([{ ptr: 0x1000n, bytes: 64n, stream: 0x51n, mode: 2 }]);
    expect(r.stdout).toContain('bad type: mpstrace: object type must be one of');
    expect(f('object_create')).toEqual([{ obj: 0xb0n, owner: 0x77n, bytes: 4096n, type: 1 }]);
    expect(f('object_destroy')).toEqual([{ obj: 0xb0n, type: 1 }]);
    const markers = recs.filter((x) => x.kind === 'marker');
    expect(markers.map((x) => str(x.f.name!))).toEqual(['m', 'from thread']);
    expect(markers[0]!.tid).not.toBe(markers[1]!.tid);
    // each annotation names its Python caller (function:line, file), not libffi
    const sites = new Map(recs.filter((x) => x.kind === 'callsite').map((x) => [x.f.site_id, `${str(x.f.symbol!)} ${str(x.f.module!)}`]));
    const siteOf = (k: string) => sites.get(recs.find((x) => x.kind === k)!.site);
    expect(siteOf('slot_acquire')).toBe(`<module>:3 ${script}`);
    expect(siteOf('range_push')).toBe(`<module>:8 ${script}`);
    expect(siteOf('intent_device_sync_begin')).toBe(`<module>:6 ${script}`);
    expect(markers.map((x) => sites.get(x.site))).toEqual([`<module>:8 ${script}`, `<lambda>:15 ${script}`]);
  });

  it.skipIf(!python)('names the Python caller also when the package was imported through a path with ".."', () => {
    const dir = tempDir();
    const script = path.join(dir, 'prog.py');
    // added at run time, the entry keeps its ".." (PYTHONPATH entries would be normalized)
    writeFileSync(
      script,
      `import sys; sys.path.insert(0, ${JSON.stringify(`${root}/test/../instrumentation/python`)})\nimport mpstrace\ndef work():\n    mpstrace.marker("m")\n\nwork()\n`,
    );
    const out = path.join(dir, 'py.mpst');
    const r = spawnSync(python!, [script], {
      env: { ...process.env, LD_PRELOAD: b.lib, MPSTRACE_OUT: out, MPSTRACE_CUPTI: '0' },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { recs, str } = load(out);
    const site = recs.find((x) => x.kind === 'marker')!.site;
    const cs = recs.find((x) => x.kind === 'callsite' && x.f.site_id === site)!;
    expect(`${str(cs.f.symbol!)} ${str(cs.f.module!)}`).toBe(`work:4 ${script}`);
  });

  it('recording a program that never touches CUDA gives a valid, nearly empty trace', () => {
    const out = path.join(tempDir(), 'true.mpst');
    const r = spawnSync(process.execPath, [cli, 'record', '-o', out, '--', '/bin/true'], { env: env(), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(r.stderr).toMatch(/events\s+4 /); // process_start, thread_start, thread_name, process_end
    expect(load(out).trace.warnings).toEqual([]);
  });
});
