// The committed real traces (traces/cuda/, recorded on an H200 by
// traces/programs/device_run.sh) are what traces/README.md says they are:
// every buggy stream-pool trace makes its rule fire, the fixed twins and the
// clean programs get no error, and the CI-gate runs give diff's two verdicts.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTrace, type LoadedTrace } from '../src/ingest/load.js';
import { analyzeTrace } from '../src/analyze/analyzeTrace.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cuda = path.join(root, 'traces/cuda');
const have = existsSync(path.join(cuda, 'pool/stream_pool_buggy.mpst'));

const open: LoadedTrace[] = [];
afterAll(async () => {
  for (const t of open) await t.close();
});

async function findings(rel: string) {
  const t = await openTrace(path.join(cuda, rel), { cache: false, progress: false });
  open.push(t);
  const all = await analyzeTrace(t);
  return { trace: t, all, problems: all.filter((f) => f.severity !== 'info') };
}

async function count(t: LoadedTrace, view: string): Promise<number> {
  const r = await t.connection.runAndReadAll(`SELECT count(*) AS n FROM ${view}`);
  return Number(r.getRowObjects()[0]!.n);
}

// scenario trace -> the rule its buggy run must trigger, with the severity the rule gives it
const POSITIVE: [string, string, string][] = [
  ['device_sync', 'incomplete-device-sync', 'error'],
  ['wrong_stream_event', 'wrong-stream-event', 'error'],
  ['double_owned_slot', 'double-owned-slot', 'error'],
  ['elapsed_no_timing', 'hang', 'error'],
  ['leaked_slot', 'leaked-slot', 'warning'],
  ['retained_buffer', 'retained-buffer', 'warning'],
  // killed by its timeout while blocked in cudaEventSynchronize: the call never returned
  ['elapsed_hang', 'hang', 'error'],
];

describe.skipIf(!have)('real traces: stream-pool fixtures', () => {
  for (const [scenario, rule, severity] of POSITIVE) {
    it(`pool/${scenario}_buggy: ${rule} fires; the fixed twin is clean`, async () => {
      const buggy = await findings(`pool/${scenario}_buggy.mpst`);
      expect(buggy.problems.some((f) => f.rule === rule && f.severity === severity), JSON.stringify(buggy.problems.map((f) => [f.rule, f.kind]))).toBe(true);
      const fixed = await findings(`pool/${scenario}_fixed.mpst`);
      expect(fixed.problems.map((f) => `${f.rule}/${f.kind}`)).toEqual([]);
    });
  }

  it('pool/retained_buffer: the streams really were destroyed in both variants', async () => {
    // the retained batches' events outlive their destroyed streams only in the buggy run
    for (const v of ['buggy', 'fixed']) {
      const { trace } = await findings(`pool/retained_buffer_${v}.mpst`);
      expect(await count(trace, 'ev_stream_destroy'), v).toBe(3);
    }
  });

  it('pool/stream_pool_buggy (all scenarios) triggers every pool rule; stream_pool_fixed none', async () => {
    const buggy = await findings('pool/stream_pool_buggy.mpst');
    const rules = new Set(buggy.problems.map((f) => f.rule));
    for (const [, rule] of POSITIVE) expect(rules.has(rule), rule).toBe(true);
    const fixed = await findings('pool/stream_pool_fixed.mpst');
    expect(fixed.problems.map((f) => `${f.rule}/${f.kind}`)).toEqual([]);
  });
});

describe.skipIf(!have)('real traces: clean programs are negative fixtures', () => {
  const clean = ['train_prefetch.mpst', 'timing_events.mpst', 'mt_inference.mpst',
    ...[1, 2, 3, 4, 5, 6].map((i) => `gate/train_base_${i}.mpst`),
    ...[1, 2, 3].map((i) => `gate/train_extra_sync_${i}.mpst`),
    ...[1, 2, 3].map((i) => `gate/train_prefetch_on_main_${i}.mpst`)];
  it('no detector reports an error on them', async () => {
    for (const rel of clean) {
      const { all } = await findings(rel);
      expect(all.filter((f) => f.severity === 'error').map((f) => `${rel}: ${f.rule}/${f.kind}`)).toEqual([]);
    }
  });
});

describe.skipIf(!have)('real traces: CI-gate verdicts', () => {
  const gate = (name: string, ids: number[]) => ids.map((i) => path.join(cuda, 'gate', `${name}_${i}.mpst`));
  function diff(base: string[], cand: string[]) {
    const r = spawnSync(process.execPath, [path.join(root, 'bin/mpstrace.js'), 'diff', '--no-findings', ...base, '--', ...cand],
      { encoding: 'utf8', cwd: root, timeout: 120_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  it('unchanged vs unchanged passes', () => {
    const r = diff(gate('train_base', [1, 3, 5]), gate('train_base', [2, 4, 6]));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('an extra sync per step fails, naming host-sync metrics', () => {
    const r = diff(gate('train_base', [1, 2, 3]), gate('train_extra_sync', [1, 2, 3]));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/regressed\s+host_sync\./);
  });

  it('prefetch on the main stream fails, naming the lost overlap', () => {
    const r = diff(gate('train_base', [1, 2, 3]), gate('train_prefetch_on_main', [1, 2, 3]));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/regressed\s+gpu\.concurrency_pct/);
  });
});
