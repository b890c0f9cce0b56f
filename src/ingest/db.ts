/**
 * The one module for DuckDB values and small queries, used by every layer above
 * ingest: numbers (one null rule: null is 0), 64-bit handles as unsigned hex,
 * JSON that never loses a 64-bit integer, SQL string literals, and row access
 * (plain rows, numeric rows, chunk by chunk).
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** A DuckDB value as a number: bigint and numeric text converted; null, undefined and non-finite are 0. */
export function num(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v === null || v === undefined ? 0 : Number(v);
  return Number.isFinite(n) ? n : 0;
}

/** A finite number, or null (SQL NULL, missing, NaN, infinite). */
export function numOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Text of a value; null and undefined are ''. */
export const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** Round to a fixed number of decimals so JSON output is stable and readable. */
export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * A 64-bit handle (stored signed in DuckDB; a bigint, a number or its decimal
 * text) as unsigned hex: `0x7f00dead`. Text that is not an integer comes back unchanged.
 */
export function toHandle(v: unknown): string {
  let b: bigint;
  try {
    b = typeof v === 'bigint' ? v : typeof v === 'string' ? BigInt(v) : BigInt(Math.trunc(Number(v)));
  } catch {
    return String(v);
  }
  return `0x${BigInt.asUintN(64, b).toString(16)}`;
}

/**
 * Any DuckDB value (from getRows or getRowObjectsJS) as JSON: integers within
 * 2^53 as numbers, beyond as decimal strings; lists, structs and plain objects
 * recursively; dates as ISO text; non-finite numbers and other values as text.
 */
export function jsonValue(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const items = (v as { items?: unknown[] }).items;
    if (Array.isArray(items)) return items.map(jsonValue);
    const entries = (v as { entries?: Record<string, unknown> }).entries;
    if (entries && typeof entries === 'object' && !Array.isArray(entries)) {
      return Object.fromEntries(Object.entries(entries).map(([k, x]) => [k, jsonValue(x)]));
    }
    if (Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
    }
  }
  return String(v);
}

/** SQL string literal (single quotes doubled). */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** All rows of a small query as objects of DuckDB values (metadata, lanes). */
export async function rowsOf(conn: DuckDBConnection, sql: string): Promise<Record<string, DuckDBValue>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjects();
}

export type Row = Record<string, number | string | boolean | null>;

/** Plain rows; BIGINT/HUGEINT become numbers (for aggregates, all below 2^53), other values text. */
export async function queryRows(conn: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await rowsOf(conn, sql)).map((r) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === 'bigint') out[k] = Number(v);
      else if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
      else out[k] = String(v);
    }
    return out;
  });
}

/** The first row of queryRows (an empty object when there is none). */
export async function queryOne(conn: DuckDBConnection, sql: string): Promise<Row> {
  return (await queryRows(conn, sql))[0] ?? {};
}

/**
 * Runs `sql` and calls `onChunk(columns, rowCount)` per result chunk, columns
 * in SELECT order: a million-row result never becomes a million row objects,
 * only the column arrays of one 2048-row chunk at a time.
 */
export async function forEachChunk(
  conn: DuckDBConnection,
  sql: string,
  onChunk: (cols: DuckDBValue[][], n: number) => void | Promise<void>,
): Promise<number> {
  const result = await conn.stream(sql);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    await onChunk(chunk.getColumns(), chunk.rowCount);
    rows += chunk.rowCount;
  }
  return rows;
}
