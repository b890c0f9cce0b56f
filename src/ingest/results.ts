/**
 * Turning DuckDB results into output: JSON that never loses 64-bit integers
 * (numbers when safe, decimal strings otherwise), RFC 4180 CSV and a plain text table.
 */
import type { DuckDBConnection, DuckDBResultReader } from '@duckdb/node-api';
import { UserError } from '../util/errors.js';
import { escapeLines, escapeText } from '../util/escape.js';
import { jsonValue, type JsonValue } from './db.js';

export interface QueryResult {
  columns: string[];
  rows: JsonValue[][];
}

/** Runs SQL; a DuckDB error becomes a UserError that names the available tables. */
export async function runQuery(conn: DuckDBConnection, sql: string): Promise<QueryResult> {
  let reader: DuckDBResultReader;
  try {
    reader = await conn.runAndReadAll(sql);
  } catch (e) {
    // DuckDB quotes values in its messages, and a value can be a trace string: the message is one
    // escaped line; the query excerpt DuckDB appends after a blank line ("LINE 1: ..." and a caret) keeps its lines.
    const full = (e as Error).message;
    const at = full.search(/\n\s*\nLINE \d+:/);
    const msg = at < 0 ? escapeText(full) : `${escapeText(full.slice(0, at))}\n\n${escapeLines(full.slice(at).replace(/^\s+/, ''), '')}`;
    throw new UserError(
      `SQL error: ${msg}\nTables and views: raw_events, strings, kinds, enum_values, trace_meta, trace_warnings, events, threads, streams, submissions, host_syncs, elapsed_queries, gpu_events, slot_spans, objects, callsites, intents, ev_<kind> (see \`mpstrace sql <trace> "SHOW TABLES"\`)`,
    );
  }
  const columns = reader.columnNames();
  const rows = reader.getRows().map((r) => r.map(jsonValue));
  return { columns, rows };
}

function cellText(v: JsonValue): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function toCsv(r: QueryResult): string {
  const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [r.columns.map(q).join(',')];
  for (const row of r.rows) lines.push(row.map((v) => q(cellText(v))).join(','));
  return lines.join('\n') + '\n';
}

export function toJsonRows(r: QueryResult): Record<string, JsonValue>[] {
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]!])));
}

/** Aligned text table; numbers right-aligned, NULL shown as NULL. */
export function toTable(r: QueryResult): string {
  // Cells and column names hold trace strings: escaped (a newline shows as \n) before widths are measured.
  const cells = r.rows.map((row) => row.map((v) => (v === null ? 'NULL' : escapeText(cellText(v)))));
  const columns = r.columns.map(escapeText);
  // A loop, not Math.max(...cells): spreading a million-row column overflows the call stack.
  const widths = columns.map((c) => Math.min(80, c.length));
  for (const row of cells)
    for (let i = 0; i < widths.length; i++) if (row[i]!.length > widths[i]!) widths[i] = Math.min(80, row[i]!.length);
  const fit = (s: string, w: number) => (s.length > w ? s.slice(0, w - 1) + '…' : s);
  const numeric = r.columns.map((_, i) => r.rows.length > 0 && r.rows.every((row) => row[i] === null || typeof row[i] === 'number'));
  const line = (vals: string[], head = false) =>
    vals
      .map((v, i) => (numeric[i] && !head ? fit(v, widths[i]!).padStart(widths[i]!) : fit(v, widths[i]!).padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(columns, true), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of cells) out.push(line(row));
  out.push(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}
