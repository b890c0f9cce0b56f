// The page header's key/value summary: trace_meta rows plus counts from the layout.
import type { DuckDBConnection } from '@duckdb/node-api';
import { rowsOf, str } from '../ingest/db.js';

/** trace_meta keys shown in the header, in this order (paths, mtimes and load details are left out). */
const META_KEYS = ['backend', 'recorder', 'pid', 'clock', 'synthetic', 'closed_cleanly', 'cupti_completions', 'format_version'];

/** The header's key/value summary: trace_meta rows plus counts from this layout. */
export async function infoPairs(
  conn: DuckDBConnection,
  info: unknown,
  s: { events: number; spanNs: number; lanes: { kind: 'stream' | 'thread' }[]; hiddenStreams: number; findings: string | null },
): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  const put = (k: string, v: unknown) => {
    if (seen.has(k) || v === null || v === undefined || v === '' || typeof v === 'object') return;
    seen.add(k);
    out.push([k, String(v)]);
  };
  try {
    const meta = new Map(
      (await rowsOf(conn, `SELECT key, CAST(value AS VARCHAR) AS value FROM trace_meta`)).map((r) => [str(r.key), str(r.value)]),
    );
    for (const k of META_KEYS) if (meta.has(k)) put(k, meta.get(k));
  } catch {
    // trace_meta is optional for the page
  }
  // A fixed subset of TraceInfo: stable across runs (no paths or load times) and meaningful to a reader.
  const INFO_KEYS = ['backend', 'clock', 'pid', 'synthetic', 'badRecords', 'badChunks', 'unknownRecords'];
  if (info && typeof info === 'object') {
    const o = info as Record<string, unknown>;
    for (const k of INFO_KEYS) if (k in o && !(k.startsWith('bad') && o[k] === 0) && !(k === 'unknownRecords' && o[k] === 0)) put(k, o[k]);
  }
  put('events', s.events.toLocaleString('en-US'));
  put('span', s.spanNs >= 1e9 ? `${(s.spanNs / 1e9).toFixed(3)} s` : `${(s.spanNs / 1e6).toFixed(3)} ms`);
  const shown = s.lanes.filter((l) => l.kind === 'stream').length;
  put('streams', s.hiddenStreams ? `${shown} with work (${shown + s.hiddenStreams} named in the trace)` : shown);
  put('threads', s.lanes.filter((l) => l.kind === 'thread').length);
  if (s.findings !== null) put('findings', s.findings);
  return out;
}
