// Text table for the terminal, Markdown for a pull-request comment, JSON for
// machines. All three show the same rows: regressions first, then
// improvements, inconclusive and changed info metrics.
import type { DiffReport, MetricComparison, Verdict } from '../diff/compare.js';
import { VERSION } from '../version.js';

const ORDER: Verdict[] = ['regressed', 'inconclusive', 'improved', 'changed', 'only_in_candidate', 'only_in_baseline'];

/** Rows worth showing: everything that is not plainly unchanged, worst first. */
export function notableRows(report: DiffReport): MetricComparison[] {
  return report.comparisons
    .filter((m) => m.verdict !== 'unchanged')
    .sort((a, b) => ORDER.indexOf(a.verdict) - ORDER.indexOf(b.verdict) || (a.key < b.key ? -1 : 1));
}

export function formatValue(v: number | null, unit: string): string {
  if (v === null) return '-';
  if (unit === 'ns') {
    const a = Math.abs(v);
    if (a >= 1e9) return `${(v / 1e9).toFixed(3)} s`;
    if (a >= 1e6) return `${(v / 1e6).toFixed(3)} ms`;
    if (a >= 1e3) return `${(v / 1e3).toFixed(2)} us`;
    return `${Math.round(v)} ns`;
  }
  if (unit === 'pct') return `${v.toFixed(2)} %`;
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(3);
}

function changeText(m: MetricComparison): string {
  if (m.change_pct === null) return m.baseline.median === 0 ? 'new (from 0)' : '-';
  const s = m.change_pct >= 0 ? '+' : '';
  return `${s}${m.change_pct.toFixed(1)}%`;
}

function ciText(m: MetricComparison): string {
  if (!m.confidence_available) return 'insufficient runs';
  const f = (v: number | null) => (v === null ? '∞' : `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`);
  return `[${f(m.ci_low_pct)}, ${f(m.ci_high_pct)}]`;
}

/** Names come from the trace: control characters (newlines, terminal escapes) become '?'. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** Mangled C++ kernel names run to hundreds of characters; the terminal table keeps both ends. */
const MAX_KEY = 72;
export function shortKey(key: string): string {
  const k = printable(key);
  return k.length <= MAX_KEY ? k : `${k.slice(0, 48)}…${k.slice(-(MAX_KEY - 49))}`;
}

/**
 * Short forms of a table's keys that stay distinct: two kernels that differ
 * only in the middle of their names (template arguments) would shorten to the
 * same text, so those keep the stretch where they first differ instead.
 */
export function shortKeys(keys: string[]): Map<string, string> {
  const out = new Map(keys.map((k) => [k, shortKey(k)]));
  const groups = new Map<string, string[]>();
  for (const k of new Set(keys)) groups.set(out.get(k)!, [...(groups.get(out.get(k)!) ?? []), k]);
  const head = 20;
  const span = MAX_KEY - head - 2;
  for (const ks of groups.values()) {
    if (ks.length < 2) continue;
    for (const k of ks) {
      const p = printable(k);
      let d = 0; // how far k shares a prefix with the most similar other key
      for (const o of ks) {
        if (o === k) continue;
        const q = printable(o);
        let i = 0;
        while (i < p.length && p[i] === q[i]) i++;
        d = Math.max(d, i);
      }
      const start = Math.max(head, Math.min(d - 16, p.length - span));
      out.set(k, `${p.slice(0, head)}…${p.slice(start, start + span)}${start + span < p.length ? '…' : ''}`);
    }
  }
  return out;
}

function row(m: MetricComparison, short?: Map<string, string>): string[] {
  return [
    m.verdict,
    short ? short.get(m.key) ?? shortKey(m.key) : m.key,
    formatValue(m.baseline.median, m.unit),
    formatValue(m.candidate.median, m.unit),
    changeText(m),
    ciText(m),
    m.p_value === null ? '-' : m.p_value.toFixed(3),
    m.effect_size === null ? '-' : m.effect_size.toFixed(2),
  ];
}

const HEADER = ['verdict', 'metric', 'baseline (median)', 'candidate (median)', 'change', `CI`, 'p', "Cliff's δ"];

function headline(report: DiffReport): string {
  const o = report.options;
  const what =
    report.verdict === 'fail'
      ? `FAIL: ${report.regressions.length} metric(s) regressed` +
        (report.new_error_rules.length ? `, ${report.new_error_rules.length} new error finding rule(s)` : '')
      : 'PASS: no confident regression';
  return `${what} (${report.baseline_runs} baseline vs ${report.candidate_runs} candidate runs; threshold ${
    o.threshold * 100
  }%, confidence ${o.confidence * 100}%)`;
}

export function renderText(report: DiffReport): string {
  const notable = notableRows(report);
  const short = shortKeys(notable.map((m) => m.key));
  const rows = notable.map((m) => row(m, short));
  const lines = [headline(report)];
  for (const n of report.notes) lines.push(`note: ${n}`);
  for (const r of report.new_error_rules) {
    lines.push(`new error finding: ${printable(r.rule)} in ${r.candidate_runs_with} candidate run(s) (${r.candidate_count} findings), in no baseline run`);
  }
  if (rows.length === 0) {
    lines.push('no metric changed beyond the threshold');
    return lines.join('\n') + '\n';
  }
  const table = [HEADER, ...rows];
  const widths = HEADER.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  lines.push('');
  for (const r of table) lines.push(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  const notes = notableRows(report).filter((m) => m.note && m.verdict !== 'unchanged');
  if (notes.length) {
    lines.push('');
    for (const m of notes) lines.push(`${short.get(m.key) ?? shortKey(m.key)}: ${m.note}`);
  }
  return lines.join('\n') + '\n';
}

/** Markdown cells: escape pipes and markup so kernel names cannot break the table. */
const md = (text: string) => printable(text).replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);

export function renderMarkdown(report: DiffReport): string {
  const icon = report.verdict === 'fail' ? '❌' : '✅';
  const lines = [`### ${icon} mpstrace perf gate: ${md(headline(report))}`, ''];
  for (const n of report.notes) lines.push(`> ${md(n)}`, '');
  if (report.new_error_rules.length) {
    lines.push('**New error findings** (in no baseline run):', '');
    for (const r of report.new_error_rules) lines.push(`- \`${printable(r.rule).replace(/`/g, "'")}\`: ${r.candidate_count} finding(s) in ${r.candidate_runs_with} candidate run(s)`);
    lines.push('');
  }
  const rows = notableRows(report);
  if (rows.length === 0) {
    lines.push('No metric changed beyond the threshold.');
  } else {
    lines.push(`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`);
    for (const m of rows) lines.push(`| ${row(m).map(md).join(' | ')} |`);
  }
  lines.push(
    '',
    `<sub>mpstrace ${VERSION}: median change with a seeded bootstrap ${report.options.confidence * 100}% CI and a one-sided ` +
      `Mann-Whitney p-value; a metric fails only when the whole CI is beyond the threshold and p ≤ ${(1 - report.options.confidence).toFixed(2)}.</sub>`,
    '',
  );
  return lines.join('\n');
}

/** JSON document for `diff --json` (no raw samples of unchanged metrics, to stay small). */
export function renderJson(report: DiffReport): string {
  const doc = {
    schema_version: 1,
    tool: 'mpstrace',
    version: VERSION,
    kind: 'diff',
    verdict: report.verdict,
    baseline_runs: report.baseline_runs,
    candidate_runs: report.candidate_runs,
    options: report.options,
    notes: report.notes,
    new_error_rules: report.new_error_rules,
    regressions: report.regressions.map((m) => m.key),
    improvements: report.improvements.map((m) => m.key),
    metrics: report.comparisons,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
