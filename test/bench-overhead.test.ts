// bench/cuda/overhead.py without a GPU: the paired summary's arithmetic, and
// its --paired plumbing on the --fake workloads under the real recorder (the
// worker switches the recorder's parts with `pause` between blocks; the fake
// steps write one marker each, so the trace shows which blocks recorded).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { buildRecorder, canBuild, cleanup, load, root, tempDir, type Built } from './recorder-util.js';

const python = spawnSync('python3', ['--version']).status === 0;
const bench = path.join(root, 'bench', 'cuda');

describe.skipIf(!python)('overhead.py paired summary', () => {
  it('gives per-part median, worst and best of the per-round ratios, skipping rounds that lack a block', () => {
    const rounds = [
      { on: 11, off: 10, no_flush: 10, off2: 10 },
      { on: 12, off: 10, no_flush: 12, off2: 9 },
      { on: 10.5, off: 10, off2: 11 },
      { on: 13, no_flush: 10 },
    ];
    const r = spawnSync('python3', ['-c', `import json, overhead; print(json.dumps(overhead.paired_parts(${JSON.stringify(rounds)})))`], {
      cwd: bench,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const parts = JSON.parse(r.stdout) as Record<string, [number, number, number, number]>;
    expect(Object.keys(parts).sort()).toEqual(['flush', 'noise', 'total']);
    const near = (got: number[], want: number[]) => {
      for (const [i, g] of got.entries()) expect(g).toBeCloseTo(want[i]!, 6);
    };
    near(parts.total!, [3, 10, 20, 5]); // 11/10, 12/10, 10.5/10
    near(parts.flush!, [3, 10, 30, 0]); // 11/10, 12/12, 13/10
    near(parts.noise!, [3, 0, 10, -10]); // 10/10, 9/10, 11/10
  });
});

describe.skipIf(!python || !canBuild)('overhead.py --paired --fake under the recorder', () => {
  let b: Built;
  let out: string;
  let dir: string;

  afterAll(cleanup);
  beforeAll(() => {
    b = buildRecorder();
    dir = tempDir();
    const r = spawnSync(
      'python3',
      [
        path.join(bench, 'overhead.py'),
        ...['--fake', '--lib', b.lib, '--modes', 'plain,plain2', '--paired', 'rec', '--workloads', 'mlp'],
        ...['--gens', '1', '--rounds', '2', '--steps', '4', '--block-steps', '4', '--warm-steps', '2', '--trace-dir', dir],
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    out = r.stdout;
  }, 150_000);

  it('prints the cross-process noise floor and every part as key=value', () => {
    expect(out).toMatch(/paired_rec: pid \d+ recorder yes pause yes/);
    const kv = new Map(
      out
        .trim()
        .split('\n')
        .at(-1)!
        .split(' ')
        .map((x) => x.split('=') as [string, string]),
    );
    for (const k of ['mlp_plain2_med_pct', 'mlp_paired_rec_on_med_pct', 'mlp_paired_rec_off_worst_pct']) expect(kv.has(k), k).toBe(true);
    for (const part of ['total', 'cupti', 'completions', 'callbacks', 'flush', 'hooks', 'torch', 'noise']) {
      expect(Number.isFinite(Number(kv.get(`paired_rec_mlp_${part}_med_pct`))), part).toBe(true);
      expect(Number.isFinite(Number(kv.get(`paired_rec_mlp_${part}_worst_pct`))), part).toBe(true);
    }
    expect(out.match(/^g1 r\d mlp {9}paired_rec on /gm)).toHaveLength(2);
  });

  it('records the steps of exactly the blocks whose configuration leaves the hooks on', () => {
    const { recs, str } = load(path.join(dir, 'g1_paired_rec.mpst'));
    const names = recs.filter((r) => r.kind === 'marker').map((r) => str(r.f.name!)!);
    const firstPause = names.findIndex((n) => n.startsWith('mpstrace.pause '));
    expect(firstPause).toBeGreaterThan(0); // the worker's warm-up steps before it
    let paused = '';
    let inPaused = 0;
    let recorded = 0;
    for (const n of names.slice(firstPause)) {
      if (n.startsWith('mpstrace.pause ')) paused = n;
      else if (paused.includes('hooks')) inPaused++;
      else recorded++;
    }
    expect(inPaused).toBe(0);
    // 2 rounds x 6 configurations with the hooks on (on, no_cupti, no_completions,
    // no_callbacks, no_flush, no_torch) x (2 warm-up + 4 timed steps)
    expect(recorded).toBe(2 * 6 * 6);
    // everything on again after the last round
    expect(names.filter((n) => n.startsWith('mpstrace.pause ')).at(-1)).toBe('mpstrace.pause none');
  });
});

describe.skipIf(!python || !canBuild)('overhead.py mode loaded (recorder preloaded, MPSTRACE_ENABLE=0)', () => {
  afterAll(cleanup);

  it('runs beside a recording mode and writes no trace of its own', () => {
    const b = buildRecorder();
    const dir = tempDir();
    const r = spawnSync(
      'python3',
      [
        path.join(bench, 'overhead.py'),
        ...['--fake', '--lib', b.lib, '--modes', 'plain,loaded,bare', '--workloads', 'mlp'],
        ...['--gens', '1', '--rounds', '1', '--steps', '3', '--trace-dir', dir],
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^mlp {9}loaded +runs +1 +median/m);
    expect(r.stdout).toMatch(/\bmlp_loaded_med_pct=-?\d/);
    // the recording mode's trace is there (its fake steps wrote markers), the loaded one's is not
    const { recs } = load(path.join(dir, 'g1_bare.mpst'));
    expect(recs.some((x) => x.kind === 'marker')).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('g1_loaded'))).toEqual([]);
  }, 150_000);
});
