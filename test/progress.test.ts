// The status line of long stages: what it shows, when, and that it never
// reaches a pipe unless asked for (MPSTRACE_PROGRESS=1).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { progress, progressEnabled } from '../src/util/progress.js';
import { root } from './recorder-util.js';

function sink(isTTY?: boolean) {
  const lines: string[] = [];
  return { lines, out: { isTTY, write: (s: string) => lines.push(s) } };
}

describe('progress line', () => {
  it('is on for a terminal, off for a pipe; MPSTRACE_PROGRESS overrides both', () => {
    expect(progressEnabled({ out: sink(true).out, env: {} })).toBe(true);
    expect(progressEnabled({ out: sink(false).out, env: {} })).toBe(false);
    expect(progressEnabled({ out: sink(false).out, env: { MPSTRACE_PROGRESS: '1' } })).toBe(true);
    expect(progressEnabled({ out: sink(true).out, env: { MPSTRACE_PROGRESS: '0' } })).toBe(false);
    const s = sink(false);
    const p = progress({ out: s.out, env: {} });
    p.update('x', true);
    p.end();
    expect(s.lines).toEqual([]);
  });

  it('rewrites one line, drops hot-loop updates within 200 ms, always shows a forced one, clears at the end', () => {
    const s = sink(true);
    let t = 1000;
    const p = progress({ out: s.out, env: {}, now: () => t });
    p.update('a');
    t += 50;
    p.update('b'); // dropped
    p.update('c', true);
    t += 250;
    p.update('d');
    p.end();
    p.end(); // nothing more to clear
    expect(s.lines).toEqual(['\r\x1b[Kmpstrace: a', '\r\x1b[Kmpstrace: c', '\r\x1b[Kmpstrace: d', '\r\x1b[K']);
  });

  it('analyze names each detector as it runs, and the line is gone from a pipe by default', () => {
    const bin = path.join(root, 'bin', 'mpstrace.js');
    const trace = path.join(root, 'traces', 'cuda', 'pool', 'stream_pool_buggy.mpst');
    const on = spawnSync(process.execPath, [bin, 'analyze', trace], { encoding: 'utf8', env: { ...process.env, MPSTRACE_PROGRESS: '1' } });
    expect(on.status).toBe(0);
    expect(on.stderr).toMatch(/mpstrace: loading trace \d+%/);
    const rules = [...on.stderr.matchAll(/running detectors (\d+)\/(\d+) \(([a-z0-9/-]+)\)/g)];
    expect(rules.length).toBeGreaterThan(5);
    expect(rules.map((m) => Number(m[1]))).toEqual(rules.map((_, i) => i + 1));
    expect(rules.map((m) => m[3])).toContain('cross-stream-race');
    expect(on.stderr.endsWith('\r\x1b[K')).toBe(true); // cleared before the results
    const env = { ...process.env };
    delete env.MPSTRACE_PROGRESS;
    const off = spawnSync(process.execPath, [bin, 'analyze', trace], { encoding: 'utf8', env });
    expect(off.stderr).not.toMatch(/mpstrace: (loading|running)/);
    expect(off.stdout).toBe(on.stdout);
  });

  it('report shows its stages too (layout, detectors, compression) and clears the line', () => {
    const bin = path.join(root, 'bin', 'mpstrace.js');
    const trace = path.join(root, 'traces', 'cuda', 'pool', 'stream_pool_buggy.mpst');
    const r = spawnSync(process.execPath, [bin, 'report', trace, '-o', '-'], {
      encoding: 'utf8',
      env: { ...process.env, MPSTRACE_PROGRESS: '1' },
      maxBuffer: 1 << 28,
    });
    expect(r.status).toBe(0);
    const stages = [...r.stderr.matchAll(/mpstrace: (laying out|running detectors 1\/|compressing)/g)].map((m) => m[1]);
    expect(stages).toEqual(['laying out', 'running detectors 1/', 'compressing']);
    expect(r.stdout.startsWith('<!doctype html>') || r.stdout.startsWith('<!DOCTYPE html>')).toBe(true);
  });
});
