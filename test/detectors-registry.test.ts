/**
 * Meta-tests of the detector layout (Perfetto stdlib style): every folder is a
 * complete rule, every sub-case has a positive fixture, and grouping/exit
 * helpers behave.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DETECTORS_SRC, loadDetectors } from '../src/detectors/registry.js';
import { groupFindings } from '../src/analyze/group.js';
import { failsAt, summarize } from '../src/output/findingsJson.js';
import { OPTION_TABLE_BEGIN, OPTION_TABLE_END, optionFlag, thresholdOptionTable } from '../src/detectors/optionTable.js';
import type { Finding } from '../src/analyze/finding.js';
import { CASES } from './fixtures/detectors/cases.js';

describe('detector registry', () => {
  it('discovers every rule of the issue, with SQL, README, doc and fix hints', async () => {
    const dets = await loadDetectors();
    // Every folder with a query.sql is a rule (no list to keep by hand), and the audit's six are among them.
    const folders = readdirSync(DETECTORS_SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(path.join(DETECTORS_SRC, e.name, 'query.sql')))
      .map((e) => e.name)
      .sort();
    expect(dets.map((d) => d.id)).toEqual(folders);
    // The audit's six findings are each covered by a rule (numbered "1) ..." to "6) ..." in `audit`).
    expect(dets.flatMap((d) => (d.audit ? [Number(/^(\d+)\)/.exec(d.audit)?.[1])] : [])).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    for (const d of dets) {
      expect(d.sql).toMatch(new RegExp(`^-- ${d.id}`));
      const readme = path.join(d.dir, 'README.md');
      expect(existsSync(readme), readme).toBe(true);
      expect(readFileSync(readme, 'utf8')).toMatch(new RegExp(`^# ${d.id}\\n`));
      expect(d.doc.length).toBeGreaterThan(40);
      for (const [kind, c] of Object.entries(d.cases)) {
        if (d.severity !== 'info') expect(c.fix.length, `${d.id}/${kind} fix`).toBeGreaterThan(20);
        expect(readFileSync(readme, 'utf8'), `${d.id} README names ${kind}`).toContain(`\`${kind}\``);
      }
      for (const t of d.thresholds ?? []) {
        expect(d.sql, `${d.id} uses $${t.sqlParam}`).toContain(`$${t.sqlParam}`);
        expect(t.name.toLowerCase().endsWith(t.unit === 'x' ? 'factor' : t.unit)).toBe(true);
      }
    }
  });

  it('every sub-case of every rule fires on a positive fixture', async () => {
    for (const d of await loadDetectors()) {
      for (const kind of Object.keys(d.cases)) {
        expect(
          CASES.some((c) => c.rule === d.id && c.expectKinds.includes(kind)),
          `${d.id}/${kind}`,
        ).toBe(true);
      }
    }
  });

  it("the README's threshold-option table is the registry's (npm run build writes it)", async () => {
    const table = `${OPTION_TABLE_BEGIN}\n${thresholdOptionTable(await loadDetectors())}\n${OPTION_TABLE_END}`;
    for (const [file, fix] of [
      ['docs/readme/40-detectors.md', 'npm run build'],
      ['README.md', 'node scripts/readme.mjs'],
    ] as const) {
      expect(readFileSync(path.join(DETECTORS_SRC, '..', '..', file), 'utf8').includes(table), `${file} is stale: run ${fix}`).toBe(true);
    }
    // every threshold of every rule is a row
    for (const d of await loadDetectors())
      for (const t of d.thresholds ?? []) expect(table).toContain(`| \`--${optionFlag(t.name)} <${t.unit}>\` |`);
  });

  it('threshold names become kebab-case options', () => {
    expect(optionFlag('hangThresholdMs')).toBe('hang-threshold-ms');
    expect(optionFlag('slotWaitThresholdUs')).toBe('slot-wait-threshold-us');
  });
});

function finding(over: Partial<Finding>): Finding {
  return {
    rule: 'retained-buffer',
    kind: 'alive-at-exit',
    severity: 'warning',
    message: 'm',
    ts_ns: 0,
    t_s: 0,
    threads: [],
    streams: [],
    evidence: [],
    sites: [],
    fix: '',
    count: 1,
    last_ts_ns: 0,
    signature: 'retained-buffer|alive-at-exit|f',
    details: {},
    ...over,
  };
}

describe('grouping and exit levels', () => {
  it('merges same-signature findings: count and declared sums add, threads and streams union', () => {
    const out = groupFindings(
      [
        finding({
          ts_ns: 20,
          last_ts_ns: 20,
          threads: [{ tid: 2, name: null }],
          streams: ['0x2'],
          details: { bytes: 10 },
          message: 'second',
        }),
        finding({
          ts_ns: 10,
          last_ts_ns: 10,
          threads: [{ tid: 1, name: 'main' }],
          streams: ['0x1'],
          details: { bytes: 5 },
          message: 'first',
        }),
        finding({ ts_ns: 30, last_ts_ns: 30, signature: 'retained-buffer|alive-at-exit|g' }),
      ],
      new Map([['retained-buffer', ['bytes']]]),
    );
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({
      message: 'first',
      count: 2,
      ts_ns: 10,
      last_ts_ns: 20,
      details: { bytes: 15 },
      streams: ['0x1', '0x2'],
    });
    expect(out[0]!.threads.map((t) => t.tid)).toEqual([1, 2]);
    expect(out[1]!.count).toBe(1);
  });

  it('--fail-on compares severities', () => {
    const info = finding({ severity: 'info' });
    const warn = finding({ severity: 'warning' });
    const err = finding({ severity: 'error' });
    expect(failsAt([info], 'warning')).toBe(false);
    expect(failsAt([info, warn], 'warning')).toBe(true);
    expect(failsAt([warn], 'error')).toBe(false);
    expect(failsAt([err], 'error')).toBe(true);
    expect(summarize([warn, finding({ count: 3 })], ['retained-buffer', 'hang'])).toEqual({
      findings: { error: 0, warning: 2, info: 0 },
      occurrences: { error: 0, warning: 4, info: 0 },
      by_rule: { 'retained-buffer': 4, hang: 0 },
      rules_run: ['retained-buffer', 'hang'],
      rules_failed: [],
    });
  });
});
