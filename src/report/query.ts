// Reading query results chunk by chunk: a million-row result never becomes a
// million row objects, only column arrays of one 2048-row chunk at a time.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

/** Runs `sql` and calls `onChunk(columns, rowCount)` per result chunk, columns in SELECT order. */
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
    const cols = chunk.getColumns();
    await onChunk(cols, chunk.rowCount);
    rows += chunk.rowCount;
  }
  return rows;
}

/** All rows of a small query as objects (metadata, lanes). */
export async function rowsOf(conn: DuckDBConnection, sql: string): Promise<Record<string, DuckDBValue>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjects();
}

export const num = (v: DuckDBValue): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : v === null ? NaN : Number(v));
export const str = (v: DuckDBValue): string => (v === null || v === undefined ? '' : String(v));

/** A 64-bit handle kept as its signed decimal text -> `0x…` (unsigned hex), the form findings use. */
export function hexHandle(key: string): string {
  try {
    return `0x${BigInt.asUintN(64, BigInt(key)).toString(16)}`;
  } catch {
    return key;
  }
}
