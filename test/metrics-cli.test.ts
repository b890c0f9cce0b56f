import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainingTrace } from './fixtures/diff-training.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = (...a: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/mpstrace.js'), ...a], { encoding: 'utf8', cwd: root });

let dir: string;
let a: string;
let b: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mpst-metrics-cli-'));
  a = path.join(dir, 'a.mpst');
  b = path.join(dir, 'b.mpst');
  trainingTrace(a, 1);
  trainingTrace(b, 2, { serialPrefetch: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every leaf is a finite number, a string, a boolean or null: safe for any JSON consumer. */
function leaves(v: unknown, at = '$'): string[] {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return [];
  if (typeof v === 'number') return Number.isFinite(v) ? [] : [at];
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, `${at}[${i}]`));
  if (typeof v === 'object') return Object.entries(v as object).flatMap(([k, x]) => leaves(x, `${at}.${k}`));
  return [at];
}

describe('mpstrace metrics', () => {
  it('--json: versioned document, one entry per trace, JSON-safe numbers', () => {
    const r = cli('metrics', '--json', a, b);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schema_version: 1, tool: 'mpstrace', options: { idleGapStepPct: 5, idleGapMinNs: 50000 } });
    expect(doc.traces.map((t: { trace: string }) => t.trace)).toEqual([a, b]);
    expect(leaves(doc)).toEqual([]);
    const [ma, mb] = doc.traces.map((t: { metrics: { gpu: { streams_used: number; concurrency_pct: number } } }) => t.metrics);
    expect(ma.gpu.streams_used).toBe(2);
    expect(mb.gpu.streams_used).toBe(1);
    expect(ma.gpu.concurrency_pct).toBeGreaterThan(10);
    expect(mb.gpu.concurrency_pct).toBe(0);
    expect(ma.step).toMatchObject({ source: 'range:step', timing: 'gpu', count: 59 });
  });

  it('text: the headline numbers per trace; options are validated', () => {
    const r = cli('metrics', '--no-findings', '--idle-gap-min-ns', '1000', a);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(a);
    for (const label of [
      'wall span',
      'steps',
      'window',
      'GPU busy (any)',
      '>= 2 streams busy',
      'host blocked in sync',
      'GPU idle gaps',
      'top kernels by GPU time',
    ]) {
      expect(r.stdout).toContain(label);
    }
    expect(r.stdout).toMatch(/findings\s+n\/a \(disabled/);
    const bad = cli('metrics', '--idle-gap-step-pct', 'x', a);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--idle-gap-step-pct takes a non-negative number/);
  });
});
