/**
 * `mpstrace analyze` end to end, as users run it (dist/ through bin/): the
 * three output formats, --fail-on exit codes, --rules, threshold options and
 * bad input. Traces come from the detector fixtures (src/detectors/<rule>/cases.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES } from './fixtures/detectors/cases.js';
import { detectors } from '../src/detectors/registry.js';

// Rule counts and lists come from the registry: adding a rule changes no test here.
const RULE_IDS = detectors().map((d) => d.id);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'mpst-analyze-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function trace(rule: string, name: string): string {
  const file = path.join(dir, `${rule}-${name}.mpst`);
  if (!existsSync(file))
    CASES.find((c) => c.rule === rule && c.name === name)!
      .build()
      .writeFile(file);
  return file;
}

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mpstrace.js'), 'analyze', ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const buggy = () => trace('double-owned-slot', 'set-current-then-acquire');
const warningsOnly = () => trace('leaked-slot', 'leaks');
const clean = () => trace('wrong-stream-event', 'clean');

describe('mpstrace analyze: text', () => {
  it('prints each finding with message, threads, call site, evidence and fix, then a summary', () => {
    const r = cli(buggy());
    expect(r.code).toBe(0);
    expect(r.out).toContain('ERROR   double-owned-slot/acquire-owned  t=0.004000s');
    expect(r.out).toContain('slot 1 was acquired by thread 4 while thread 3 still held it');
    expect(r.out).toContain('at at::mps::MPSStreamPool::acquireSlot (libtorch_mps.so)');
    expect(r.out).toMatch(/evidence: #\d+ owner-start \(slot_set_current, tid 3\)/);
    expect(r.out).toContain('fix: Make set-current an ownership transfer');
    expect(r.out).toMatch(new RegExp(`: 3 errors, 0 warnings \\(3 occurrences\\) from ${RULE_IDS.length} rules\n$`));
  });

  it('says so when no rule finds a problem, and lists the context facts', () => {
    const r = cli(clean());
    expect(r.code).toBe(0);
    expect(r.out).toContain(`no problems found by ${RULE_IDS.length} rules`);
    expect(r.out).toContain('Context:');
    expect(r.out).toMatch(/host syncs in .*per second/);
  });

  it('groups repeated findings with a count', () => {
    const r = cli(trace('retained-buffer', 'after-owner-destroyed'));
    expect(r.out).toMatch(/WARNING retained-buffer\/after-owner-destroyed {2}t=0\.005000s {2}x2 /);
  });
});

describe('mpstrace analyze: exit codes and selection', () => {
  it('--fail-on error exits 1 on errors, 0 on a clean trace and on warnings only', () => {
    expect(cli('--fail-on', 'error', buggy()).code).toBe(1);
    expect(cli('--fail-on', 'error', clean()).code).toBe(0);
    expect(cli('--fail-on', 'error', warningsOnly()).code).toBe(0);
  });

  it('--fail-on warning exits 1 on warnings', () => {
    expect(cli('--fail-on', 'warning', warningsOnly()).code).toBe(1);
    expect(cli('--fail-on', 'warning', clean()).code).toBe(0);
  });

  it('--rules runs only the named rules; an unknown rule is a usage error naming the known ones', () => {
    const r = cli('--json', '--rules', 'leaked-slot,hang', buggy());
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.summary.rules_run).toEqual(['leaked-slot', 'hang']);
    expect(doc.findings).toEqual([]);
    const bad = cli('--rules', 'leaked-slot,no-such-rule', buggy());
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`unknown rule 'no-such-rule'; known rules: ${RULE_IDS.join(', ')}`);
  });

  it('thresholds are named options with units', () => {
    const t = trace('hang', 'long-block');
    const kinds = (args: string[]) =>
      JSON.parse(cli('--json', '--rules', 'hang', ...args, t).out).findings.map((f: { kind: string }) => f.kind);
    expect(kinds([])).toEqual(['long-block']);
    expect(kinds(['--hang-threshold-ms', '1000'])).toEqual([]);
    expect(kinds(['--hang-threshold-ms', '0', '--hang-step-factor', '500'])).toEqual([]);
    const bad = cli('--hang-threshold-ms', 'soon', t);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--hang-threshold-ms takes a non-negative number, got 'soon'");
    const help = cli('--help').out;
    expect(help).toMatch(/--hang-threshold-ms <ms>\s+never call a block shorter than this a hang\s+\(default\s+500 ms\)/);
    expect(help).toMatch(/--sync-tolerance-us <us>/);
  });

  it('--no-group lists every occurrence', () => {
    const t = trace('retained-buffer', 'after-owner-destroyed');
    const grouped = JSON.parse(cli('--json', '--rules', 'retained-buffer', t).out).findings;
    const each = JSON.parse(cli('--json', '--rules', 'retained-buffer', '--no-group', t).out).findings;
    expect(grouped.map((f: { count: number }) => f.count)).toEqual([2]);
    expect(grouped[0].details.bytes).toBe(8192);
    expect(each.map((f: { count: number; details: { obj: string; bytes: number } }) => [f.count, f.details.obj, f.details.bytes])).toEqual([
      [1, '0xcb0', 4096],
      [1, '0xcb1', 4096],
    ]);
  });

  it('bad input exits 2 with a message', () => {
    const missing = cli(path.join(dir, 'nope.mpst'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no such file/);
    const junk = path.join(dir, 'junk.mpst');
    writeFileSync(junk, 'not a trace at all, just text');
    const r = cli(junk);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^mpstrace: /);
    expect(cli('--format', 'xml', buggy()).code).toBe(2);
  });
});

describe('mpstrace analyze: --json', () => {
  it('writes the versioned findings document', () => {
    const out = path.join(dir, 'f.json');
    expect(cli('--json', '-o', out, buggy()).code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.schema_version).toBe(1);
    expect(doc.tool).toEqual({ name: 'mpstrace', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(doc.trace.path).toBe(buggy());
    expect(doc.trace.meta.backend).toBe('cuda');
    // the fixture holds slot annotations only: said, not silent
    expect(doc.trace.warnings.map((w: { code: string }) => w.code)).toEqual(['no_backend_calls']);
    const problems = doc.findings.filter((f: { severity: string }) => f.severity !== 'info');
    expect(problems.map((f: { rule: string; kind: string }) => `${f.rule}/${f.kind}`)).toEqual([
      'double-owned-slot/set-current-free',
      'double-owned-slot/acquire-owned',
      'double-owned-slot/exit-release-unowned',
    ]);
    for (const f of doc.findings) {
      for (const key of [
        'rule',
        'kind',
        'severity',
        'message',
        'ts_ns',
        't_s',
        'threads',
        'streams',
        'evidence',
        'sites',
        'fix',
        'count',
        'last_ts_ns',
        'signature',
        'details',
      ]) {
        expect(f, `${f.rule}/${f.kind} has ${key}`).toHaveProperty(key);
      }
    }
    const acq = problems[1];
    expect(acq.threads).toEqual([
      { tid: 3, name: null },
      { tid: 4, name: null },
    ]);
    expect(acq.streams).toEqual(['0x200']);
    expect(acq.evidence.map((e: { role: string; kind: string }) => `${e.role}:${e.kind}`)).toEqual([
      'owner-start:slot_set_current',
      'second-owner-start:slot_acquire',
    ]);
    expect(acq.sites.map((s: { symbol: string }) => s.symbol)).toEqual([
      'at::mps::MPSStreamPool::setCurrentStream',
      'at::mps::MPSStreamPool::acquireSlot',
    ]);
    expect(doc.summary.findings).toEqual({ error: 3, warning: 0, info: 3 });
    expect(doc.summary.by_rule['double-owned-slot']).toBe(3);
    expect(doc.summary.by_rule['leaked-slot']).toBe(0);
  });
});

// SARIF: test/sarif.test.ts (schema, GitHub ingestion rules, source-root mapping).
