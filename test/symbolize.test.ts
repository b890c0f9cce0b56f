// Native call sites become function (file:line): `mpstrace symbolize` finds
// the binary by its recorded path or by build id under --search-path, asks
// the system symbolizer, and appends symbol records to the trace; every
// output then names the source line. `record` does it after the run, and
// follows wrappers: a run directory with every process's trace, an index,
// and the summary of the process that did the GPU work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { siteLabel } from '../src/analyze/finding.js';
import { buildRecorder, canBuild, cleanup, root, runTraced, tempDir, type Built } from './recorder-util.js';

const cli = path.join(root, 'bin', 'mpstrace.js');
const has = (t: string) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0;
const tools = ['llvm-symbolizer', 'addr2line'].filter(has);
const source = readFileSync(path.join(root, 'instrumentation', 'test', 'drv_static.c'), 'utf8').split('\n');
/** 1-based line of the first source line containing `text` inside main(). */
const lineOf = (text: string) => source.findIndex((l, i) => i > source.findIndex((x) => x.startsWith('int main')) && l.includes(text)) + 1;

describe('siteLabel with a source location', () => {
  it('prints function (file:line) and drops the offset', () => {
    expect(
      siteLabel({
        site: 1,
        symbol: 'Pipeline::sync()',
        module: '/x/prog',
        offset: null,
        addr: null,
        file: '/src/a/streams_bug.cu',
        line: 75,
      }),
    ).toBe('Pipeline::sync() (streams_bug.cu:75)');
    expect(siteLabel({ site: 1, symbol: null, module: '/x/prog', offset: 0x5a87, addr: null })).toBe('prog+0x5a87');
  });
});

describe.skipIf(!canBuild || tools.length === 0)('mpstrace symbolize and record (stand-in static runtime)', () => {
  let b: Built;
  afterAll(cleanup);
  beforeAll(() => {
    b = buildRecorder();
  }, 180_000);

  const sql = (trace: string, q: string) => JSON.parse(spawnSync('node', [cli, 'sql', trace, q, '--json'], { encoding: 'utf8' }).stdout);

  for (const tool of tools) {
    it(`names main and the source line of each call (${tool}), once`, () => {
      const out = path.join(tempDir(), 's.mpst');
      expect(runTraced(b, 'drv_static', [], out).status).toBe(0);
      const r = spawnSync('node', [cli, 'symbolize', out, '--tool', tool, '--json'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const res = JSON.parse(r.stdout)[0];
      expect(res.sites).toBeGreaterThan(10);
      expect(res.resolved).toBe(res.sites);
      const rows = sql(
        out,
        `SELECT s.kind, c.symbol, c.file, c.line FROM (SELECT kind_name AS kind, site, id FROM events WHERE kind_name IN ('stream_create', 'event_wait', 'sync_begin', 'free')) s
        JOIN callsites c ON c.site_id = s.site ORDER BY s.id`,
      );
      expect(
        rows.map((x: { kind: string; symbol: string; file: string; line: number }) => [x.kind, x.symbol, path.basename(x.file), x.line]),
      ).toEqual([
        ['stream_create', 'main', 'drv_static.c', lineOf('cudaStreamCreate(&s1)')],
        ['stream_create', 'main', 'drv_static.c', lineOf('cudaStreamCreate(&s2)')],
        ['event_wait', 'main', 'drv_static.c', lineOf('cudaStreamWaitEvent(s2, e1)')],
        ['sync_begin', 'main', 'drv_static.c', lineOf('cudaStreamSynchronize(s1)')],
        ['sync_begin', 'main', 'drv_static.c', lineOf('cudaMemcpyDtoH(host')],
        ['sync_begin', 'main', 'drv_static.c', lineOf('cudaDeviceSynchronize()')],
        // cudaFree reaches the driver as cuMemFree: a free, not a device sync
        ['free', 'main', 'drv_static.c', lineOf('cudaFree(d)')],
      ]);
      // a second run finds nothing left to do and appends nothing
      const again = JSON.parse(spawnSync('node', [cli, 'symbolize', out, '--json'], { encoding: 'utf8' }).stdout)[0];
      expect([again.sites, again.appended, again.already]).toEqual([0, 0, res.sites]);
      const info = JSON.parse(spawnSync('node', [cli, 'info', out, '--json'], { encoding: 'utf8' }).stdout);
      expect(info.warnings).toEqual([]);
    });
  }

  it('finds a moved binary under --search-path by build id, and refuses one with another build id', () => {
    const dir = tempDir();
    const bin = path.join(dir, 'drv_static');
    copyFileSync(b.prog('drv_static'), bin);
    for (const lib of ['libcuda.so.1', 'libcublas_fake.so']) copyFileSync(b.prog(lib), path.join(dir, lib));
    const out = path.join(dir, 'm.mpst');
    const r = spawnSync(bin, [], { env: { ...process.env, LD_PRELOAD: b.lib, MPSTRACE_OUT: out, MPSTRACE_CUPTI: '0' } });
    expect(r.status).toBe(0);
    const moved = path.join(tempDir(), 'elsewhere');
    mkdirSync(path.join(moved, 'bin'), { recursive: true });
    renameSync(bin, path.join(moved, 'bin', 'drv_static'));
    // a different program under the same name first: not taken
    const decoy = path.join(tempDir(), 'decoy');
    mkdirSync(decoy);
    copyFileSync(b.prog('drv_hooks'), path.join(decoy, 'drv_static'));
    const bad = JSON.parse(spawnSync('node', [cli, 'symbolize', out, '--search-path', decoy, '--json'], { encoding: 'utf8' }).stdout)[0];
    expect(bad.resolved).toBe(0);
    expect(bad.modules[0].why).toMatch(/none with build id [0-9a-f]{40}/);
    const good = JSON.parse(
      spawnSync('node', [cli, 'symbolize', out, '--search-path', decoy, moved, '--json'], { encoding: 'utf8' }).stdout,
    )[0];
    expect(good.resolved).toBe(good.sites);
    expect(good.modules[0].file).toBe(path.join(moved, 'bin', 'drv_static'));
  });

  it("record: a wrapper that exec's the program gives one run directory, an index, and the GPU process's summary with symbols", () => {
    const cwd = tempDir();
    const r = spawnSync('node', [cli, 'record', '--', 'sh', '-c', `exec ${b.prog('drv_static')} gemm`], {
      cwd,
      env: { ...process.env, MPSTRACE_LIB: b.lib, MPSTRACE_CUPTI: '0' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const dir = path.join(cwd, 'mpstrace-run');
    const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8'));
    expect(index.processes.map((p: { file: string }) => p.file)).toEqual(['sh.mpst', expect.stringMatching(/^sh\.\d+\.exec1\.mpst$/)]);
    expect(index.processes[0].backend_calls).toBe(0);
    expect(index.processes[0].execs).toEqual([b.prog('drv_static')]);
    expect(index.processes[1].backend_calls).toBeGreaterThan(10);
    expect(index.gpu_process).toBe(index.processes[1].file);
    expect(r.stderr).toMatch(
      /summary of sh\.\d+\.exec1\.mpst \(pid \d+\), the process that did the GPU work; sh\.mpst was a wrapper that exec'd/,
    );
    expect(r.stderr).toMatch(/streams +4/);
    expect(r.stderr).toMatch(/sh\.\d+\.exec1\.mpst: 18 of 18 native call sites symbolized/);
    // nothing written to the working directory itself
    expect(existsSync(path.join(cwd, 'mpstrace.mpst'))).toBe(false);
  });
});
