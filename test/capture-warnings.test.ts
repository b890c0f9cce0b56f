// A trace in which the recorder saw no backend call says so, with the likely
// reason, in `info` and `analyze` (text and JSON): no GPU use, a static
// runtime the recorder could not see, or a wrapper process that exec'd the
// program. Recorded for real against the stand-ins (no GPU).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildRecorder, canBuild, cleanup, root, runTraced, tempDir, type Built } from './recorder-util.js';

const cli = path.join(root, 'bin', 'mpstrace.js');
const info = (trace: string) =>
  JSON.parse(spawnSync('node', [cli, 'info', trace, '--json'], { encoding: 'utf8' }).stdout) as {
    warnings: { code: string; message: string }[];
  };

describe.skipIf(!canBuild)('no backend call is never silent', () => {
  let b: Built;
  let noHook: Built;
  afterAll(cleanup);
  beforeAll(() => {
    b = buildRecorder();
    // the recorder without its driver-entry capture: a static runtime stays invisible to it
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mpst-build-nohook-'));
    const r = spawnSync(
      'make',
      ['-s', '-C', path.join(root, 'instrumentation'), 'test-build', `BUILD=${dir}`, 'CFLAGS=-DMPST_NO_DLSYM_HOOK'],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    noHook = { dir, lib: path.join(dir, 'libmpstrace_cuda.so'), prog: (n) => path.join(dir, 'test', n) };
  }, 240_000);

  it('a program that never loads the driver: no GPU call', () => {
    const out = path.join(tempDir(), 'plain.mpst');
    const r = spawnSync('/bin/true', [], { env: { ...process.env, LD_PRELOAD: b.lib, MPSTRACE_OUT: out, MPSTRACE_CUPTI: '0' } });
    expect(r.status).toBe(0);
    const w = info(out).warnings.filter((x) => x.code === 'no_backend_calls');
    expect(w).toHaveLength(1);
    expect(w[0]!.message).toMatch(/no CUDA call was recorded/);
    expect(w[0]!.message).toMatch(/libcuda\) was never loaded/);
    const text = spawnSync('node', [cli, 'info', out], { encoding: 'utf8' }).stdout;
    expect(text).toMatch(/\[no_backend_calls\] no CUDA call was recorded/);
    const an = spawnSync('node', [cli, 'analyze', out], { encoding: 'utf8' });
    expect(an.stdout + an.stderr).toMatch(/warning: no CUDA call was recorded/);
    const aj = JSON.parse(spawnSync('node', [cli, 'analyze', out, '--format', 'json'], { encoding: 'utf8' }).stdout);
    expect(aj.trace.warnings.map((x: { code: string }) => x.code)).toContain('no_backend_calls');
  });

  it('a static runtime the recorder cannot see: libcuda loaded, entries not wrapped', () => {
    const out = path.join(tempDir(), 'static.mpst');
    const r = runTraced(noHook, 'drv_static', [], out);
    expect(r.status).toBe(0);
    const w = info(out).warnings.find((x) => x.code === 'no_backend_calls');
    expect(w?.message).toMatch(/linked statically/);
    expect(w?.message).toMatch(/--cudart shared/);
    // the same program with the driver-entry capture: calls recorded, no warning
    const ok = path.join(tempDir(), 'static-ok.mpst');
    expect(runTraced(b, 'drv_static', [], ok).status).toBe(0);
    expect(info(ok).warnings.map((x) => x.code)).not.toContain('no_backend_calls');
  });

  it("a wrapper that exec'd the program: names the exec and where the real trace is", () => {
    const out = path.join(tempDir(), 'wrap.mpst');
    const r = spawnSync('sh', ['-c', `exec ${b.prog('drv_static')}`], {
      env: { ...process.env, LD_PRELOAD: b.lib, MPSTRACE_OUT: out, MPSTRACE_CUPTI: '0' },
    });
    expect(r.status).toBe(0);
    const w = info(out).warnings.find((x) => x.code === 'no_backend_calls');
    expect(w?.message).toMatch(/exec'd '.*drv_static'/);
    expect(w?.message).toMatch(/wrapper/);
  });
});
