import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES } from './fixtures/detectors/cases.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'bin/mpstrace.js'), ...args], { encoding: 'utf8', cwd: root });

let dir: string;
let clean: string;
let buggy: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mpst-diff-findings-'));
  const pick = (name: string) => CASES.find((c) => c.rule === 'incomplete-device-sync' && c.name === name)!;
  clean = path.join(dir, 'clean.mpst');
  buggy = path.join(dir, 'partial.mpst');
  pick('clean').build().writeFile(clean);
  pick('partial-sync').build().writeFile(buggy);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diff: new error findings', () => {
  // A huge threshold takes the timing metrics out of the verdict; findings.errors
  // (0 -> n, an infinite relative change) and the new-rule check remain.
  it('fails when an error rule appears in the candidate and in no baseline run', () => {
    const r = cli('diff', '--json', '--threshold', '100000%', clean, clean, clean, '--', buggy, buggy, buggy);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.regressions).toEqual(['findings.errors']);
    expect(doc.new_error_rules).toEqual([
      expect.objectContaining({ rule: 'incomplete-device-sync', severity: 'error', baseline_runs_with: 0, candidate_runs_with: 3 }),
    ]);
  });

  it('passes when the baseline already had the same error rule, or neither side has it', () => {
    expect(cli('diff', '--threshold', '100000%', buggy, buggy, buggy, '--', buggy, buggy, buggy).status).toBe(0);
    expect(cli('diff', '--threshold', '100000%', clean, clean, clean, '--', clean, clean, clean).status).toBe(0);
  });

  it('--no-findings says findings were not compared', () => {
    const r = cli('diff', '--no-findings', '--threshold', '100000%', clean, '--', buggy);
    expect(r.stdout).toMatch(/new error findings were not compared/);
  });
});
