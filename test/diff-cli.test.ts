import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainingTrace } from './fixtures/diff-training.js';
import { longKernelName, longNamesTrace } from './fixtures/hostile.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/mpstrace.js'), ...args], { encoding: 'utf8', cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
const base: string[] = [];
const same: string[] = [];
const syncy: string[] = [];
const serial: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mpst-diff-'));
  for (let i = 0; i < 3; i++) {
    base.push(path.join(dir, `base${i}.mpst`));
    same.push(path.join(dir, `same${i}.mpst`));
    syncy.push(path.join(dir, `sync${i}.mpst`));
    serial.push(path.join(dir, `serial${i}.mpst`));
    trainingTrace(base[i], 10 + i);
    trainingTrace(same[i], 20 + i);
    trainingTrace(syncy[i], 30 + i, { extraSync: true });
    trainingTrace(serial[i], 40 + i, { serialPrefetch: true });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mpstrace diff', () => {
  it('passes (exit 0) unchanged vs unchanged runs', () => {
    const r = cli('diff', '--no-findings', ...base, '--', ...same);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS: no confident regression \(3 baseline vs 3 candidate runs/);
  });

  it('fails (exit 1) on an extra host sync per step and names the metrics that moved', () => {
    const r = cli('diff', '--no-findings', '--json', ...base, '--', ...syncy);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.verdict).toBe('fail');
    expect(doc.regressions).toContain('host_sync.per_step');
    expect(doc.regressions).toContain('host_sync.api.device:cudaDeviceSynchronize.count');
    const perStep = doc.metrics.find((m: { key: string }) => m.key === 'host_sync.per_step');
    expect(perStep).toMatchObject({ verdict: 'regressed', change_pct: 100, confidence_available: true });
    expect(perStep.p_value).toBeLessThanOrEqual(0.05);
  });

  it('fails when the prefetch moves onto the main stream (overlap lost)', () => {
    const r = cli('diff', '--no-findings', ...base, '--', ...serial);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL/);
    expect(r.stdout).toMatch(/regressed\s+gpu\.concurrency_pct/);
    expect(r.stdout).toMatch(/regressed\s+gpu\.achieved_parallelism/);
    expect(r.stdout).toMatch(/regressed\s+step\.median_ns/);
  });

  it('takes a saved metrics JSON as the baseline and writes a Markdown PR comment', () => {
    const m = cli('metrics', '--json', '--no-findings', ...base);
    expect(m.code).toBe(0);
    const saved = path.join(dir, 'baseline.json');
    writeFileSync(saved, m.stdout);
    expect(JSON.parse(m.stdout)).toMatchObject({ schema_version: 1, tool: 'mpstrace' });
    const md = path.join(dir, 'comment.md');
    const r = cli('diff', '--no-findings', '--markdown', md, saved, '--', ...syncy);
    expect(r.code).toBe(1);
    const text = readFileSync(md, 'utf8');
    expect(text).toMatch(/^### ❌ mpstrace perf gate: FAIL/);
    expect(text).toMatch(/^\| `host_sync\.per_step` \| 1 \| 2 \| \+100\.0% \|/m);
    // --markdown without a file: it must not be followed by an input, which it would take as its file.
    const ok = cli('diff', '--no-findings', saved, '--markdown', '--', ...same);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^### ✅ mpstrace perf gate: PASS/);
    // `--markdown -` is stdout too, never a file named '-'; a file in a missing directory is created
    const dash = cli('diff', '--no-findings', '--markdown', '-', saved, '--', ...same);
    expect(dash.code).toBe(0);
    expect(dash.stdout).toBe(ok.stdout);
    expect(existsSync(path.join(root, '-'))).toBe(false);
    const deep = path.join(dir, 'new', 'dir', 'comment.md');
    expect(cli('diff', '--no-findings', '--markdown', deep, saved, '--', ...same).code).toBe(0);
    expect(readFileSync(deep, 'utf8')).toBe(ok.stdout);
  });

  it('notes when a saved baseline was measured with other options than the traces now', () => {
    const saved = path.join(dir, 'other-options.json');
    writeFileSync(saved, cli('metrics', '--json', '--no-findings', '--idle-gap-min-ns', '1000', ...base).stdout);
    const r = cli('diff', '--no-findings', saved, '--', ...same);
    expect(r.stdout).toMatch(/measured with idleGapMinNs=1000, traces now with 50000/);
  });

  it('single run per side: threshold only, and says so', () => {
    const r = cli('diff', '--no-findings', base[0], '--', syncy[0]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/insufficient runs for confidence/);
    const ok = cli('diff', '--no-findings', base[0], '--', same[0]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/insufficient runs for confidence/);
  });

  it('bad input exits 2 with a message saying what to do', () => {
    const missing = cli('diff', path.join(dir, 'nope.mpst'), '--', base[0]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.mpst: no such file/);
    const noSep = cli('diff', base[0], base[1]);
    expect(noSep.code).toBe(2);
    expect(noSep.stderr).toMatch(/separate the two sides with --/);
    const badThreshold = cli('diff', '--threshold', 'lots', base[0], '--', base[1]);
    expect(badThreshold.code).toBe(2);
    expect(badThreshold.stderr).toMatch(/--threshold takes a percentage/);
    const junk = path.join(dir, 'junk.json');
    writeFileSync(junk, '{"hello": 1}');
    const badJson = cli('diff', junk, '--', base[0]);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/not an mpstrace metrics document/);
    const clobber = cli('diff', '--markdown', base[1], base[0], '--', base[2]);
    expect(clobber.code).toBe(2);
    expect(clobber.stderr).toMatch(/--markdown would overwrite/);
    const optAfter = cli('diff', base[0], '--', base[1], '--json');
    expect(optAfter.code).toBe(2);
    expect(optAfter.stderr).toMatch(/put options before --/);
  });
});

describe('diff --markdown with long kernel names (a PR comment GitHub accepts)', () => {
  const runs = (tag: string, opts: Parameters<typeof longNamesTrace>[2]) =>
    [0, 1, 2].map((i) => {
      const f = path.join(dir, `${tag}${i}.mpst`);
      longNamesTrace(f, i + (opts?.slower ? 11 : 1), opts);
      return f;
    });

  it('25 kernels of 2,000-character names: under 65,536 characters, every regression and every full name in it', () => {
    const r = cli('diff', '--no-findings', '--markdown', '-', ...runs('long-base', {}), '--', ...runs('long-cand', { slower: 1.5 }));
    expect(r.code).toBe(1);
    const md = r.stdout;
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(65_536);
    expect(md).toMatch(/^### ❌ mpstrace perf gate: FAIL: \d+ metric\(s\) regressed/);
    const regressions = md.split('\n').filter((l) => /^\| `kernel\..*\.p50_ns` \|/.test(l));
    expect(regressions).toHaveLength(25);
    // short names (the metric cell of a narrow table), distinct, with the template argument that tells them apart
    const cells = regressions.map((l) => l.split(' | ')[0]!.slice(2));
    for (const c of cells) expect(c.length).toBeLessThanOrEqual(60);
    expect(new Set(cells).size).toBe(25);
    for (let k = 0; k < 25; k++) expect(md).toContain(`\`${longKernelName(k)}\``);
    expect(md).not.toContain('Left out');
  });

  it('names that escape to four times their length: the collapsed tail is left out, with a note', () => {
    const name = (k: number) => `k${k}${'\u0001'.repeat(1990)}`;
    const r = cli(
      'diff',
      '--no-findings',
      '--markdown',
      '-',
      ...runs('ctl-base', { name }),
      '--',
      ...runs('ctl-cand', { name, slower: 1.5 }),
    );
    expect(r.code).toBe(1);
    const md = r.stdout;
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md).toMatch(
      /_Left out to stay under GitHub's 65,536-character comment limit: .*\d+ full names; `mpstrace diff --json` has them all\._/,
    );
    expect(md.split('\n').filter((l) => /^\| `kernel\.k\d+\\x01.*\.p50_ns` \|/.test(l))).toHaveLength(25);
    expect(md.trimEnd().endsWith('</sub>')).toBe(true);
  });
});
