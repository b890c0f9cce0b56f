/** Readable text output of `mpstrace analyze` (the default). */
import { findingTime, siteLabel, type Finding } from '../analyze/finding.js';
import type { FindingsReport } from './findingsJson.js';
import { escapeText } from '../util/escape.js';

const MAX_EVIDENCE_SHOWN = 6;

export { siteLabel };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatFinding(f: Finding): string {
  const lines: string[] = [];
  const count = f.count > 1 ? `  x${f.count} (last at ${findingTime((f.last_ts_ns - f.ts_ns) / 1e9 + f.t_s)})` : '';
  lines.push(`${f.severity.toUpperCase().padEnd(7)} ${f.rule}/${f.kind}  ${findingTime(f.t_s)}${count}`);
  lines.push(`  ${f.message}`);
  const who: string[] = [];
  if (f.threads.length > 0) who.push(`threads: ${f.threads.map((t) => (t.name ? `${t.tid} (${t.name})` : String(t.tid))).join(', ')}`);
  if (f.streams.length > 0) who.push(`streams: ${f.streams.join(', ')}`);
  if (who.length > 0) lines.push(`  ${who.join('   ')}`);
  if (f.count > 1 && typeof f.details.bytes === 'number' && f.details.bytes > 0)
    lines.push(`  total: ${f.details.bytes} bytes in ${f.count} occurrences`);
  for (const s of f.sites) lines.push(`  at ${siteLabel(s)}`);
  if (f.evidence.length > 0) {
    const shown = f.evidence.slice(0, MAX_EVIDENCE_SHOWN).map((e) => `#${e.id} ${e.role} (${e.kind}, tid ${e.tid})`);
    const more = f.evidence.length > MAX_EVIDENCE_SHOWN ? `, +${f.evidence.length - MAX_EVIDENCE_SHOWN} more` : '';
    lines.push(`  evidence: ${shown.join(', ')}${more}`);
  }
  if (f.fix) lines.push(`  fix: ${f.fix}`);
  // Messages, thread names and call sites hold trace strings: one line each, inert.
  return lines.map(escapeText).join('\n');
}

export function formatText(report: FindingsReport): string {
  const s = report.summary;
  const out: string[] = [];
  for (const w of report.trace.warnings)
    out.push(
      escapeText(`warning: ${w.message}${w.offset !== undefined && !w.message.includes(String(w.offset)) ? ` (byte ${w.offset})` : ''}`),
    );
  const problems = report.findings.filter((f) => f.severity !== 'info');
  const info = report.findings.filter((f) => f.severity === 'info');
  for (const f of problems) out.push(formatFinding(f), '');
  if (info.length > 0) {
    out.push('Context:');
    for (const f of info) out.push(`  ${escapeText(f.message)}`);
    out.push('');
  }
  for (const l of report.limits ?? []) out.push(escapeText(`note: ${l.rule}: ${l.message}`));
  const trace = escapeText(report.trace.path);
  const head =
    `${trace}: ${plural(s.findings.error, 'error')}, ${plural(s.findings.warning, 'warning')}` +
    ` (${plural(s.occurrences.error + s.occurrences.warning, 'occurrence')}) from ${plural(s.rules_run.length, 'rule')}`;
  if (report.incomplete) {
    // never "no problems found" when a detector did not run to the end
    out.push(
      `${trace}: INCOMPLETE: ${plural(s.findings.error, 'error')}, ${plural(s.findings.warning, 'warning')}` +
        ` (${plural(s.occurrences.error + s.occurrences.warning, 'occurrence')}) from the ${plural(s.rules_run.length, 'rule')} that ran;` +
        ` ${s.rules_failed.join(', ')} failed`,
    );
    out.push(escapeText(`warning: ${report.incomplete.message}`));
  } else
    out.push(
      problems.length === 0 ? `${trace}: no problems found by ${plural(s.rules_run.length, 'rule')} (${s.rules_run.join(', ')})` : head,
    );
  return out.join('\n') + '\n';
}
