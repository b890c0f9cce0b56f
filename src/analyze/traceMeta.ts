import type { DuckDBConnection } from '@duckdb/node-api';

/** Reads `trace_meta` as strings; empty when the view is missing. */
export async function readTraceMeta(conn: DuckDBConnection): Promise<Record<string, string>> {
  try {
    const reader = await conn.runAndReadAll("SELECT key, value FROM trace_meta WHERE key <> 'info_json' ORDER BY key");
    const out: Record<string, string> = {};
    for (const r of reader.getRowObjectsJS()) out[String(r.key)] = r.value === null ? '' : String(r.value);
    return out;
  } catch {
    return {};
  }
}
