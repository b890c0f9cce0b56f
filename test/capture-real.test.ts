// Real traces from the H200 (traces/cuda/native/, see traces/README.md): a
// C++ two-stream program built with static and with shared libcudart gives
// the same findings, named by source line; cuBLAS GEMM launches of a PyTorch
// program recorded without CUPTI are in its trace.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { root } from './recorder-util.js';

const cli = path.join(root, 'bin', 'mpstrace.js');
const dir = path.join(root, 'traces', 'cuda', 'native');
const run = (...args: string[]) => spawnSync('node', [cli, ...args], { encoding: 'utf8' });
const findings = (t: string) =>
  JSON.parse(run('analyze', path.join(dir, t), '--json').stdout).findings as {
    rule: string;
    kind: string;
    severity: string;
    count: number;
    sites: { symbol: string; file?: string; line?: number }[];
  }[];

describe.skipIf(!existsSync(path.join(dir, 'streams_static.mpst')))('real native traces (static and shared libcudart)', () => {
  it('the static and the shared build give the same findings, at the same source lines', () => {
    const key = (t: string) =>
      findings(t)
        .filter((f) => f.severity !== 'info')
        .map((f) => `${f.rule}/${f.kind} x${f.count} at ${f.sites.map((s) => `${s.symbol}@${s.line}`).join(',')}`)
        .sort();
    const st = key('streams_static.mpst');
    expect(st.length).toBeGreaterThanOrEqual(3);
    expect(st).toEqual(key('streams_shared.mpst'));
    expect(st.join('\n')).toMatch(/incomplete-device-sync\/partial-sync/);
    expect(st.join('\n')).toMatch(/wrong-stream-event\/same-stream/);
  });

  it('names call sites function (file:line) in the text output', () => {
    const text = run('analyze', path.join(dir, 'streams_static.mpst')).stdout;
    expect(text).toMatch(/at Pipeline::sync\(\) \(streams_bug\.cu:\d+\)/);
    expect(text).toMatch(
      /at Pipeline::upload\(float const\*\) \(streams_bug\.cu:\d+\)|at Pipeline::process\(float\) \(streams_bug\.cu:\d+\)/,
    );
    expect(text).not.toMatch(/streams_static\+0x/);
  });

  it('has the cuBLAS GEMM launches of a PyTorch run recorded with CUPTI off', () => {
    const r = run(
      'sql',
      path.join(dir, 'gemm_torch_nocupti.mpst'),
      "SELECT count(*) AS n FROM submissions WHERE name LIKE '%gemm%'",
      '--json',
    );
    expect(JSON.parse(r.stdout)[0].n).toBe(40);
  });
});
