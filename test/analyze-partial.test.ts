/**
 * A detector that fails (DuckDB out of memory at 100 M events, issue 17 item 5)
 * must not drop the other detectors' findings, nor end in a clean "0 findings":
 * analyze (text, --json), report and metrics keep the others' findings, name the
 * failed detector with what to do, and exit 3. The failure is forced with the
 * MPSTRACE_TEST_FAIL_RULES hook (src/analyze/analyzeTrace.ts) on a real trace
 * recorded on an H200 (traces/cuda/native/streams_shared.mpst: incomplete-device-sync
 * and wrong-stream-event findings), run as users run it (dist/ through bin/).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectors } from '../src/detectors/registry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const trace = path.join(root, 'traces', 'cuda', 'native', 'streams_shared.mpst');
const dir = mkdtempSync(path.join(tmpdir(), 'mpst-partial-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FAILED = 'incomplete-device-sync';

function cli(fail: string | null, ...args: string[]): { code: number; out: string; err: string } {
  const env = { ...process.env };
  delete env.MPSTRACE_TEST_FAIL_RULES;
  if (fail) env.MPSTRACE_TEST_FAIL_RULES = fail;
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mpstrace.js'), ...args], { cwd: dir, encoding: 'utf8', env });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

type Doc = {
  findings: { rule: string; kind: string; severity: string; count: number; signature: string }[];
  summary: { rules_run: string[]; rules_failed: string[]; by_rule: Record<string, number> };
  incomplete?: { failed: { rule: string; message: string }[]; message: string };
};
const key = (f: Doc['findings'][number]) => `${f.signature} x${f.count}`;

describe('a failed detector keeps the others’ findings', () => {
  const full = cli(null, 'analyze', trace, '--json');
  const fullDoc = JSON.parse(full.out) as Doc;

  it('the trace has findings of the detector that will fail and of others', () => {
    expect(full.code).toBe(0);
    expect(fullDoc.incomplete).toBeUndefined();
    expect(fullDoc.findings.some((f) => f.rule === FAILED)).toBe(true);
    expect(fullDoc.findings.some((f) => f.rule !== FAILED && f.severity !== 'info')).toBe(true);
  });

  it('analyze --json: every other finding, the failed rule named, exit 3', () => {
    const r = cli(FAILED, 'analyze', trace, '--json');
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.out) as Doc;
    expect(doc.findings.map(key).sort()).toEqual(
      fullDoc.findings
        .filter((f) => f.rule !== FAILED)
        .map(key)
        .sort(),
    );
    expect(doc.incomplete?.failed.map((f) => f.rule)).toEqual([FAILED]);
    expect(doc.incomplete?.failed[0]?.message).toMatch(/^Out of Memory Error/);
    expect(doc.incomplete?.message).toContain('MPSTRACE_MEMORY_LIMIT');
    expect(doc.summary.rules_failed).toEqual([FAILED]);
    expect(doc.summary.rules_run).not.toContain(FAILED);
    expect(doc.summary.by_rule).not.toHaveProperty(FAILED);
    expect(r.err).toContain(`detector '${FAILED}' failed`);
    const sarif = cli(FAILED, 'analyze', trace, '--format', 'sarif');
    expect(sarif.code).toBe(3);
    const inv = JSON.parse(sarif.out).runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications.map((n: { associatedRule: { id: string } }) => n.associatedRule.id)).toEqual([FAILED]);
  });

  it('analyze text: the others’ findings, then INCOMPLETE with what to do; never "no problems found"', () => {
    const others = detectors()
      .map((d) => d.id)
      .filter((id) => id !== FAILED);
    const r = cli(FAILED, 'analyze', trace);
    expect(r.code).toBe(3);
    expect(r.out).toContain('wrong-stream-event/same-stream');
    expect(r.out).not.toContain(`${FAILED}/`);
    expect(r.out).toMatch(
      /INCOMPLETE: 0 errors, 1 warning \(\d+ occurrences?\) from the \d+ rules that ran; incomplete-device-sync failed/,
    );
    expect(r.out).toContain(`--rules ${others.join(',')}`);
    // all rules with findings failing leaves nothing found: still not a clean answer
    const none = cli(`${FAILED},wrong-stream-event`, 'analyze', trace);
    expect(none.code).toBe(3);
    expect(none.out).not.toMatch(/no problems found/);
    expect(none.out).toContain('INCOMPLETE: 0 errors, 0 warnings');
    // --fail-on still fails on what the others found (exit 1 beats 3: a finding is certain)
    expect(cli(FAILED, 'analyze', trace, '--fail-on', 'warning').code).toBe(1);
  });

  it('report: the page shows the others’ findings and a note naming the failed detector; exit 3', () => {
    const out = path.join(dir, 'partial.html');
    const r = cli(FAILED, 'report', trace, '-o', out);
    expect(r.code).toBe(3);
    expect(r.err).not.toMatch(/\b0 findings|no problems found/);
    expect(r.err).toMatch(/INCOMPLETE: 0 error\(s\), 1 warning\(s\) from the detectors that ran/);
    expect(r.err).toContain(`warning: incomplete analysis: detector '${FAILED}' failed`);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(
      `Findings INCOMPLETE (0 error(s), 1 warning(s) from the detectors that ran): incomplete analysis: detector '${FAILED}'`,
    );
    expect(html).toContain('wrong-stream-event');
  });

  it('metrics --json: the others’ counts, the failed rule listed; exit 3', () => {
    const r = cli(FAILED, 'metrics', trace, '--json');
    expect(r.code).toBe(3);
    const f = JSON.parse(r.out).traces[0].metrics.findings;
    expect(f.failed_rules).toEqual([FAILED]);
    expect(f.by_rule).not.toHaveProperty(FAILED);
    expect(f.by_rule['wrong-stream-event'].count).toBe(fullDoc.summary.by_rule['wrong-stream-event']);
    expect(r.err).toContain(`detector '${FAILED}' failed`);
  });
});

describe('metrics that do not fit DuckDB’s memory limit', () => {
  it('say so in one line with the findings counts that stand and what to do; exit 3, no "bug" report', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, MPSTRACE_TEST_METRICS_OOM: '1' };
    delete env.MPSTRACE_TEST_FAIL_RULES;
    const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mpstrace.js'), 'metrics', trace, '--json'], {
      cwd: dir,
      encoding: 'utf8',
      env,
    });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    const full = JSON.parse(cli(null, 'analyze', trace, '--json').out) as { summary: { occurrences: { error: number; warning: number } } };
    const { error: errors, warning: warnings } = full.summary.occurrences;
    expect(errors).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/metrics incomplete: Out of Memory Error/);
    expect(r.stderr).toContain(`its findings are complete (${errors} errors, ${warnings} warnings;`);
    expect(r.stderr).toContain('MPSTRACE_MEMORY_LIMIT');
    expect(r.stderr).not.toMatch(/This is a bug/);
  });
});
