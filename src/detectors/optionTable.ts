/**
 * The detectors' threshold options as the README shows them: one table row per
 * threshold, written from the registry into docs/readme/40-detectors.md by
 * `npm run build` (scripts/gen-detector-docs.mjs); test/detectors-registry.test.ts
 * fails when the README's table is not what the registry says.
 */
import type { DetectorDef, ThresholdDef } from './defineDetector.js';

/** `hangThresholdMs` -> `hang-threshold-ms`: a threshold's CLI option. */
export function optionFlag(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export const OPTION_TABLE_BEGIN = '<!-- detector thresholds: generated from the registry by `npm run build`; do not edit -->';
export const OPTION_TABLE_END = '<!-- end of generated detector thresholds -->';

/** The markdown table of every threshold option, in rule order; a threshold shared by rules is one row. */
export function thresholdOptionTable(dets: readonly DetectorDef[]): string {
  const rows = new Map<string, { rules: string[]; t: ThresholdDef }>();
  for (const d of dets) {
    for (const t of d.thresholds ?? []) {
      const row = rows.get(t.name);
      if (row) row.rules.push(d.id);
      else rows.set(t.name, { rules: [d.id], t });
    }
  }
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| threshold option | rule | meaning | default |',
    '|---|---|---|---|',
    ...[...rows.values()].map(
      ({ rules, t }) =>
        `| \`--${optionFlag(t.name)} <${t.unit}>\` | ${rules.join(', ')} | ${cell(t.doc)} | ${t.default}${t.unit === 'x' ? '×' : ` ${t.unit}`} |`,
    ),
  ].join('\n');
}

/** `markdown` with the text between the markers replaced by `table`; throws when the markers are missing. */
export function withOptionTable(markdown: string, table: string): string {
  const a = markdown.indexOf(OPTION_TABLE_BEGIN);
  const b = markdown.indexOf(OPTION_TABLE_END);
  if (a < 0 || b < a)
    throw new Error(`the detector option table's markers are missing: put ${OPTION_TABLE_BEGIN} and ${OPTION_TABLE_END} around it`);
  return `${markdown.slice(0, a + OPTION_TABLE_BEGIN.length)}\n${table}\n${markdown.slice(b)}`;
}
