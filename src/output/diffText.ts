// Text table for the terminal, Markdown for a pull-request comment, JSON for
// machines. All three show the same rows: regressions first, then
// improvements, inconclusive and changed info metrics.
import type { DiffReport, MetricComparison, Verdict } from '../diff/compare.js';
import { VERSION } from '../version.js';
import { escapeText, mdCode, mdText, safeJson } from '../util/escape.js';

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

/** The CI of the change; `-` when there is none to give (never an infinite bound: the row's note says why). */
function ciText(m: MetricComparison, sep = ', '): string {
  if (!m.confidence_available) return 'insufficient runs';
  if (m.ci_low_pct === null || m.ci_high_pct === null) return '-';
  const f = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
  return `[${f(m.ci_low_pct)}${sep}${f(m.ci_high_pct)}]`;
}

/** Mangled C++ kernel names run to hundreds of characters; the terminal table keeps both ends. */
const MAX_KEY = 72;
export function shortKey(key: string, max = MAX_KEY): string {
  const k = escapeText(key);
  if (k.length <= max) return k;
  const head = Math.ceil(((max - 1) * 2) / 3);
  return `${k.slice(0, head)}…${k.slice(-(max - head - 1))}`;
}

/**
 * Short forms of a table's keys that stay distinct: two kernels that differ
 * only in the middle of their names (template arguments) would shorten to the
 * same text, so those keep the stretch where they first differ instead.
 */
export function shortKeys(keys: string[], max = MAX_KEY): Map<string, string> {
  const out = new Map(keys.map((k) => [k, shortKey(k, max)]));
  const groups = new Map<string, string[]>();
  for (const k of new Set(keys)) groups.set(out.get(k)!, [...(groups.get(out.get(k)!) ?? []), k]);
  const head = Math.min(20, Math.floor(max / 3));
  const span = max - head - 2;
  for (const ks of groups.values()) {
    if (ks.length < 2) continue;
    for (const k of ks) {
      const p = escapeText(k);
      let d = 0; // how far k shares a prefix with the most similar other key
      for (const o of ks) {
        if (o === k) continue;
        const q = escapeText(o);
        let i = 0;
        while (i < p.length && p[i] === q[i]) i++;
        d = Math.max(d, i);
      }
      const start = Math.max(head, Math.min(d - Math.floor(span / 4), p.length - span));
      out.set(k, `${p.slice(0, head)}…${p.slice(start, start + span)}${start + span < p.length ? '…' : ''}`);
    }
  }
  return out;
}

function row(m: MetricComparison, short?: Map<string, string>): string[] {
  return [
    m.verdict,
    short ? (short.get(m.key) ?? shortKey(m.key)) : escapeText(m.key),
    formatValue(m.baseline.median, m.unit),
    formatValue(m.candidate.median, m.unit),
    changeText(m),
    ciText(m),
    m.p_value === null ? '-' : m.p_value.toFixed(3),
    m.effect_size === null ? '-' : m.effect_size.toFixed(2),
  ];
}

const HEADER = ['verdict', 'metric', 'baseline (median)', 'candidate (median)', 'change', `CI`, 'p', "Cliff's δ"];

function verdictLine(report: DiffReport): string {
  return report.verdict === 'fail'
    ? `FAIL: ${report.regressions.length} metric(s) regressed` +
        (report.new_error_rules.length ? `, ${report.new_error_rules.length} new error finding rule(s)` : '')
    : 'PASS: no confident regression';
}

function runsLine(report: DiffReport): string {
  const o = report.options;
  return `${report.baseline_runs} baseline vs ${report.candidate_runs} candidate runs; threshold ${o.threshold * 100}%, confidence ${o.confidence * 100}%`;
}

function headline(report: DiffReport): string {
  return `${verdictLine(report)} (${runsLine(report)})`;
}

export function renderText(report: DiffReport): string {
  const notable = notableRows(report);
  const short = shortKeys(notable.map((m) => m.key));
  const rows = notable.map((m) => row(m, short));
  const lines = [headline(report)];
  for (const n of report.notes) lines.push(`note: ${escapeText(n)}`);
  for (const r of report.new_error_rules) {
    lines.push(
      `new error finding: ${escapeText(r.rule)} in ${r.candidate_runs_with} candidate run(s) (${r.candidate_count} findings), in no baseline run`,
    );
  }
  if (rows.length === 0) {
    lines.push('no metric changed beyond the threshold');
    return lines.join('\n') + '\n';
  }
  const table = [HEADER, ...rows];
  const widths = HEADER.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  lines.push('');
  for (const r of table)
    lines.push(
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
  const notes = notable.filter((m) => m.note);
  if (notes.length) {
    lines.push('');
    for (const m of notes) lines.push(`${short.get(m.key) ?? shortKey(m.key)}: ${escapeText(m.note!)}`);
  }
  return lines.join('\n') + '\n';
}

/** GitHub refuses issue and pull-request comments longer than this (characters). */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** Metric names in the Markdown tables: narrow enough for a PR comment beside four numbers. */
const MD_NAME = 40;

/**
 * A metric key split around the trace string it holds (`kernel.<name>.p50_ns`,
 * `host_sync.api.<scope:api>.count`), so that the name can be shortened and its
 * full form listed once, however many metrics share it.
 */
function splitKey(key: string): { prefix: string; name: string; suffix: string } | null {
  const m = /^(kernel\.|host_sync\.api\.)(.+)(\.[a-z0-9_]+)$/s.exec(key);
  return m ? { prefix: m[1]!, name: m[2]!, suffix: m[3]! } : null;
}

interface MarkdownOptions {
  /** Most characters the comment may have (default: GitHub's comment limit). */
  limit?: number;
}

/**
 * A pull-request comment: the verdict first, the regressions in a narrow table
 * (short names), the other changed metrics, the notes and the full names in a
 * collapsed `<details>`. Trace strings are inline code (no mentions, references,
 * links or markup; see util/escape.ts). Stays under GitHub's comment limit by
 * leaving out the tail of the collapsed part, and says so.
 */
export function renderMarkdown(report: DiffReport, opts: MarkdownOptions = {}): string {
  const limit = opts.limit ?? GITHUB_COMMENT_LIMIT;
  const rows = notableRows(report);
  // Regressions worst first: the largest relative change on top.
  const regressed = rows
    .filter((m) => m.verdict === 'regressed')
    .sort((a, b) => Math.abs(b.change_pct ?? Infinity) - Math.abs(a.change_pct ?? Infinity) || (a.key < b.key ? -1 : 1));
  const others = rows.filter((m) => m.verdict !== 'regressed');
  const names = [...new Set(rows.map((m) => splitKey(m.key)?.name).filter((n): n is string => n !== undefined))];
  const shortName = shortKeys(names, MD_NAME);
  const label = (m: MetricComparison) => {
    const s = splitKey(m.key);
    return mdCode(s ? `${s.prefix}${shortName.get(s.name)}${s.suffix}` : shortKey(m.key, MD_NAME + 16), { table: true });
  };
  const conf = `${report.options.confidence * 100}% CI`;

  const head: string[] = [];
  const icon = report.verdict === 'fail' ? '❌' : '✅';
  head.push(`### ${icon} mpstrace perf gate: ${verdictLine(report)}`, '', `<sub>${runsLine(report)}</sub>`, '');
  for (const n of report.notes) head.push(`> **note:** ${mdText(n)}`, '');
  if (report.new_error_rules.length) {
    head.push('**New error findings** (in no baseline run):', '');
    for (const r of report.new_error_rules)
      head.push(`- ${mdCode(shortKey(r.rule, 80))}: ${r.candidate_count} finding(s) in ${r.candidate_runs_with} candidate run(s)`);
    head.push('');
  }
  // The regressions table and its notes are the comment's point: never left out.
  if (regressed.length) {
    head.push('| regressed metric | baseline | candidate | change | ' + conf + ' |', '|:--|--:|--:|--:|:--|');
    for (const m of regressed) {
      head.push(
        `| ${label(m)} | ${formatValue(m.baseline.median, m.unit)} | ${formatValue(m.candidate.median, m.unit)} | ${changeText(m)} | ${ciText(m, ' … ')} |`,
      );
    }
    head.push('');
    for (const m of regressed.filter((x) => x.note)) head.push(`- ${label(m)}: ${mdText(m.note!)}`);
    if (regressed.some((x) => x.note)) head.push('');
  } else if (rows.length === 0) {
    head.push('No metric changed beyond the threshold.', '');
  }

  // The collapsed part, in the order it is worth keeping when space runs out.
  const detailRows = others.map(
    (m) =>
      `| ${m.verdict.replace(/_/g, ' ')} | ${label(m)} | ${formatValue(m.baseline.median, m.unit)} | ${formatValue(m.candidate.median, m.unit)} | ${changeText(m)} | ${ciText(m, ' … ')} | ${m.p_value === null ? '-' : m.p_value.toFixed(3)} | ${m.effect_size === null ? '-' : m.effect_size.toFixed(2)} |`,
  );
  const noteLines = others.filter((m) => m.note).map((m) => `- ${label(m)}: ${mdText(m.note!)}`);
  const nameLines = names.filter((n) => shortName.get(n) !== escapeText(n)).map((n) => `- ${mdCode(shortName.get(n)!)}: ${mdCode(n)}`);

  const foot = [
    '',
    `<sub>mpstrace ${VERSION}: median change with a seeded bootstrap ${conf} and a one-sided Mann-Whitney p-value; ` +
      `a metric fails only when the whole CI is beyond the threshold and p ≤ ${(1 - report.options.confidence).toFixed(2)}. ` +
      '`mpstrace diff --json` has every metric with its full name.</sub>',
    '',
  ];
  const out = [...head];
  const size = (lines: string[]) => lines.reduce((a, l) => a + l.length + 1, 0);
  let used = size(out) + size(foot) + 400; // 400: the closing tag and the note on what was left out
  const omitted = { rows: 0, notes: 0, names: 0 };
  let full = false;
  // A section goes in while it fits; from the first line that does not, the rest is counted instead.
  const section = (title: string[], items: string[], what: keyof typeof omitted) => {
    if (items.length === 0) return;
    if (full || used + size(title) + items[0]!.length + 1 > limit) {
      full = true;
      omitted[what] += items.length;
      return;
    }
    out.push(...title);
    used += size(title);
    for (const l of items) {
      if (full || used + l.length + 1 > limit) {
        full = true;
        omitted[what]++;
        continue;
      }
      out.push(l);
      used += l.length + 1;
    }
    out.push('');
    used += 1;
  };
  if (detailRows.length || noteLines.length || nameLines.length) {
    const what = [
      others.length ? `${others.length} other changed metric${others.length === 1 ? '' : 's'}` : '',
      noteLines.length ? 'notes' : '',
      nameLines.length ? 'full names' : '',
    ]
      .filter(Boolean)
      .join(', ');
    out.push(`<details><summary>${what}</summary>`, '');
    used += size(out.slice(-2));
    section(
      [`| verdict | metric | baseline | candidate | change | ${conf} | p | δ |`, '|:--|:--|--:|--:|--:|:--|--:|--:|'],
      detailRows,
      'rows',
    );
    section(['**Notes**', ''], noteLines, 'notes');
    section(['**Full names**', ''], nameLines, 'names');
    if (full) {
      const parts = [
        omitted.rows ? `${omitted.rows} table row${omitted.rows === 1 ? '' : 's'}` : '',
        omitted.notes ? `${omitted.notes} note${omitted.notes === 1 ? '' : 's'}` : '',
        omitted.names ? `${omitted.names} full name${omitted.names === 1 ? '' : 's'}` : '',
      ].filter(Boolean);
      out.push(
        `_Left out to stay under GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')}-character comment limit: ${parts.join(', ')}; \`mpstrace diff --json\` has them all._`,
        '',
      );
    }
    out.push('</details>');
  }
  out.push(...foot);
  return out.join('\n');
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
  return safeJson(doc) + '\n';
}
