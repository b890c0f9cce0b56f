import type { DuckDBConnection } from '@duckdb/node-api';

export type Row = Record<string, number | string | boolean | null>;

/** Run a query and return plain rows; BIGINT/HUGEINT become numbers (metrics are < 2^53). */
export async function queryRows(conn: DuckDBConnection, sql: string): Promise<Row[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjects().map((r) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === 'bigint') out[k] = Number(v);
      else if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
      else out[k] = String(v);
    }
    return out;
  });
}

export async function queryOne(conn: DuckDBConnection, sql: string): Promise<Row> {
  const rows = await queryRows(conn, sql);
  return rows[0] ?? {};
}

/** SQL string literal (single quotes doubled). */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
export const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Round to a fixed number of decimals so JSON output is stable and readable. */
export const round = (v: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};
