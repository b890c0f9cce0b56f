// Kernel names and native symbols are demangled once at load (c++filt), in
// every output built on the strings table; strings.mangled keeps the
// originals and --mangled shows them instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { demangleAll } from '../src/ingest/demangle.js';
import { buildRecorder, canBuild, cleanup, root, runTraced, tempDir, type Built } from './recorder-util.js';

const cli = path.join(root, 'bin', 'mpstrace.js');
const hasCxxfilt = spawnSync('c++filt', ['--version']).status === 0;

describe.skipIf(!hasCxxfilt)('demangleAll (c++filt)', () => {
  it('demangles Itanium names and leaves the rest as they are, in order', () => {
    expect(demangleAll(['_Z12scale_kernelPfif', 'plain_c_name', '_ZN4demo6reduceILi256EEEvPKfPf'])).toEqual([
      'scale_kernel(float*, int, float)',
      'plain_c_name',
      'void demo::reduce<256>(float const*, float*)',
    ]);
  });
  it('says null when the tool is missing', () => {
    expect(demangleAll(['_Z1fv'], '/nonexistent/c++filt')).toBeNull();
  });
});

describe.skipIf(!canBuild || !hasCxxfilt)('demangled names in outputs', () => {
  let b: Built;
  let out: string;
  afterAll(cleanup);
  beforeAll(() => {
    b = buildRecorder();
    out = path.join(tempDir(), 'k.mpst');
    expect(runTraced(b, 'drv_static', ['gemm'], out).status).toBe(0);
  }, 180_000);

  const sql = (q: string, ...extra: string[]) => spawnSync('node', [cli, 'sql', out, q, '--json', ...extra], { encoding: 'utf8' });

  it('shows demangled kernel names in views and keeps the mangled ones in strings.mangled', () => {
    const r = sql("SELECT DISTINCT name FROM submissions WHERE what = 'launch' ORDER BY name");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).map((x: { name: string }) => x.name)).toEqual([
      'scale_kernel(float*, int, float)',
      'void demo::reduce<256>(float const*, float*)',
    ]);
    const m = JSON.parse(sql('SELECT text, mangled FROM strings WHERE mangled IS NOT NULL ORDER BY mangled').stdout);
    expect(m).toEqual([
      { text: 'scale_kernel(float*, int, float)', mangled: '_Z12scale_kernelPfif' },
      { text: 'void demo::reduce<256>(float const*, float*)', mangled: '_ZN4demo6reduceILi256EEEvPKfPf' },
    ]);
  });

  it('--mangled shows the names as recorded', () => {
    const r = sql("SELECT DISTINCT name FROM submissions WHERE what = 'launch' ORDER BY name", '--mangled');
    expect(JSON.parse(r.stdout).map((x: { name: string }) => x.name)).toEqual(['_Z12scale_kernelPfif', '_ZN4demo6reduceILi256EEEvPKfPf']);
  });

  it('metrics and Chrome export carry the demangled names', () => {
    const m = spawnSync('node', [cli, 'metrics', out, '--json'], { encoding: 'utf8' });
    expect(m.status, m.stderr).toBe(0);
    expect(m.stdout).not.toMatch(/_Z12scale_kernelPfif/);
    const file = path.join(tempDir(), 'k.json');
    const e = spawnSync('node', [cli, 'export', out, '--format', 'chrome', '-o', file], { encoding: 'utf8' });
    expect(e.status, e.stderr).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('scale_kernel(float*, int, float)');
    expect(text).not.toContain('_Z12scale_kernelPfif');
  });
});
