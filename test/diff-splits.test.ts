import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { aaFalsePositives, splits } from '../src/diff/splits.js';
import { measureTrace } from '../src/metrics/measure.js';
import type { TraceMetrics } from '../src/metrics/types.js';
import { trainingTrace } from './fixtures/diff-training.js';

describe('A/A splits', () => {
  it('enumerates each unordered split once', () => {
    expect(splits(6, 3)).toHaveLength(10); // C(6,3) / 2
    expect(splits(5, 2)).toHaveLength(10); // C(5,2)
    expect(splits(4, 2)).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
  });
});

describe('A/A false-positive rate on noisy unchanged runs', () => {
  let dir: string;
  const runs: TraceMetrics[] = [];
  const regressed: TraceMetrics[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mpst-aa-'));
    for (let i = 0; i < 6; i++) {
      const f = path.join(dir, `u${i}.mpst`);
      trainingTrace(f, 100 + i);
      runs.push(await measureTrace(f, { findings: false }));
    }
    for (let i = 0; i < 3; i++) {
      const f = path.join(dir, `r${i}.mpst`);
      trainingTrace(f, 200 + i, { serialPrefetch: true });
      regressed.push(await measureTrace(f, { findings: false }));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('no split of six unchanged runs fails the gate', () => {
    const r = aaFalsePositives(runs, 3);
    expect(r.splits).toBe(10);
    expect(r.failingMetrics).toEqual({});
    expect(r.rate).toBe(0);
  });

  it('mixing regressed runs into one side does fail: the A/A check is not vacuous', () => {
    const r = aaFalsePositives([...runs.slice(0, 3), ...regressed], 3);
    expect(r.failures).toBeGreaterThan(0);
    expect(Object.keys(r.failingMetrics)).toContain('gpu.concurrency_pct');
  });
});
