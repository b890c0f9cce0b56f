// The gate on real recordings (H200, torch 2.11, traces/cuda/gate): six unchanged
// training runs, three with an extra torch.cuda.synchronize() per step, three
// with the prefetch moved onto the main stream (traces/README.md).
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareRuns } from '../src/diff/compare.js';
import { aaFalsePositives, aaOnPairs, sampledPairs } from '../src/diff/splits.js';
import { measureTrace } from '../src/metrics/measure.js';
import type { TraceMetrics } from '../src/metrics/types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const gate = path.join(root, 'traces/cuda/gate');
const file = (name: string, i: number) => path.join(gate, `train_${name}_${i}.mpst`);

const aaDir = path.join(root, 'traces/cuda/gate-aa');
const runs: Record<string, TraceMetrics[]> = { base: [], extra_sync: [], prefetch_on_main: [], more_base: [] };

beforeAll(async () => {
  for (let i = 1; i <= 6; i++) runs.base.push(await measureTrace(file('base', i)));
  for (let i = 1; i <= 12; i++) runs.more_base.push(await measureTrace(path.join(aaDir, `train_base_r${i}.mpst`), { findings: false }));
  for (let i = 1; i <= 3; i++) {
    runs.extra_sync.push(await measureTrace(file('extra_sync', i)));
    runs.prefetch_on_main.push(await measureTrace(file('prefetch_on_main', i)));
  }
}, 180_000);

describe('real runs: metrics', () => {
  it('finds the 60 step ranges and times steps on the GPU, not by the host running ahead', () => {
    for (const m of runs.base) {
      expect(m.source.gpu_timing).toBe('completion');
      expect(m.step).toMatchObject({ source: 'range:step', timing: 'gpu', count: 59 });
      // The program measured 6.52-6.53 ms per step; the host starts steps ~2 ms apart.
      expect(m.step.median_ns! / 1e6).toBeGreaterThan(5.5);
      expect(m.step.median_ns! / 1e6).toBeLessThan(7);
      expect(m.step.host_median_ns! / 1e6).toBeLessThan(3);
      expect(m.gpu.streams_used).toBe(2);
      expect(m.gpu.concurrency_pct).toBeGreaterThan(5);
      expect(m.host_sync.per_step).toBe(0);
      expect(m.findings).toMatchObject({ available: true, errors: 0 });
    }
    for (const m of runs.extra_sync) expect(m.host_sync.per_step).toBe(1);
    for (const m of runs.prefetch_on_main) expect(m.gpu.streams_used).toBe(1);
  });
});

describe('real runs: diff verdicts', () => {
  it('unchanged vs unchanged passes for every split of the six runs (A/A false-positive rate 0/10)', () => {
    const r = aaFalsePositives(runs.base, 3);
    expect(r.splits).toBe(10);
    expect(r.failingMetrics).toEqual({});
    expect(r.failures).toBe(0);
  });

  it('unchanged vs unchanged across two machines: 200 seeded pairs of 3 + 3 of the 18 unchanged runs all pass', () => {
    const all = [...runs.base, ...runs.more_base];
    const r = aaOnPairs(all, sampledPairs(all.length, 3, 200, 7), { iterations: 1000 });
    expect(r.splits).toBe(200);
    expect(r.failingMetrics).toEqual({});
  }, 240_000); // 200 x 1000 bootstrap rounds: ~20 s alone, over 60 s on a loaded 2-core machine

  for (const [variant, moved] of [
    ['extra_sync', ['host_sync.per_step', 'host_sync.api.device:cudaDeviceSynchronize.count', 'step.median_ns']],
    ['prefetch_on_main', ['gpu.concurrency_pct', 'gpu.achieved_parallelism', 'step.median_ns', 'idle_gaps.total_ns']],
  ] as const) {
    it(`unchanged vs ${variant} fails, naming ${moved.join(', ')}`, () => {
      // Baselines from the same machine as the regressed runs, and from another one.
      const bases = [
        [0, 2, 4],
        [1, 3, 5],
        [0, 1, 2, 3, 4, 5],
      ].map((ix) => ix.map((i) => runs.base[i]));
      bases.push(runs.more_base.slice(0, 5));
      for (const base of bases) {
        const report = compareRuns(base, runs[variant]);
        expect(report.verdict).toBe('fail');
        const keys = report.regressions.map((m) => m.key);
        for (const k of moved) expect(keys, `${variant}: ${k}`).toContain(k);
        for (const m of report.regressions) expect(m.confidence_available).toBe(true);
      }
    });
  }

  it('the CLI gate on traces on both sides (--no-findings): unchanged passes quietly, each regression fails naming its metric', () => {
    const diff = (base: string[], cand: string[]) =>
      spawnSync(process.execPath, [path.join(root, 'bin/mpstrace.js'), 'diff', '--no-findings', ...base, '--', ...cand], {
        encoding: 'utf8',
        cwd: root,
        timeout: 120_000,
      });
    const ok = diff(
      [1, 3, 5].map((i) => file('base', i)),
      [2, 4, 6].map((i) => file('base', i)),
    );
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const base = [1, 2, 3].map((i) => file('base', i));
    const sync = diff(
      base,
      [1, 2, 3].map((i) => file('extra_sync', i)),
    );
    expect(sync.status).toBe(1);
    expect(sync.stdout).toMatch(/regressed\s+host_sync\./);
    const prefetch = diff(
      base,
      [1, 2, 3].map((i) => file('prefetch_on_main', i)),
    );
    expect(prefetch.status).toBe(1);
    expect(prefetch.stdout).toMatch(/regressed\s+gpu\.concurrency_pct/);
  });

  it('the CLI gate: saved baseline JSON vs candidate traces exits 1 and 0', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mpst-real-gate-'));
    try {
      const cli = (...a: string[]) =>
        spawnSync(process.execPath, [path.join(root, 'bin/mpstrace.js'), ...a], { encoding: 'utf8', cwd: root });
      const m = cli('metrics', '--json', file('base', 1), file('base', 3), file('base', 5));
      expect(m.status).toBe(0);
      const saved = path.join(dir, 'baseline.json');
      writeFileSync(saved, m.stdout);
      const bad = cli('diff', saved, '--', file('extra_sync', 1), file('extra_sync', 2), file('extra_sync', 3));
      expect(bad.status).toBe(1);
      expect(bad.stdout).toMatch(/^FAIL/);
      expect(bad.stdout).toMatch(/regressed\s+host_sync\.per_step\s/);
      const ok = cli('diff', saved, '--', file('base', 2), file('base', 4), file('base', 6));
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/^PASS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
