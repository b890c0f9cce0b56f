/**
 * The tables that both file exports write (Parquet partitions per run, Arrow
 * IPC files per trace), defined once so that a column means the same in both:
 * `kind` is the record kind's name (as in `info` and the docs) and `kind_code`
 * its number in the format; every `site` column (0 = none) is a `site_id` of
 * the `callsites` table, which carries the symbol, module, address and, where
 * the trace was symbolized, file and line.
 */
export const EXPORT_TABLES = {
  // Payload words stay raw (decode with docs/FORMAT.md); the kind's name is joined in.
  events: 'SELECT id, ts, tid, kind_name AS kind, kind AS kind_code, grp, site, p0, p1, p2, p3, p4 FROM events ORDER BY id',
  submissions: `SELECT corr, id, ts, tid, site, stream, name, what, gpu_start, gpu_end, gpu_end - gpu_start AS gpu_dur_ns, error
                FROM submissions ORDER BY id`,
  host_syncs: 'SELECT begin_id, end_id, tid, site, scope, target, api, begin_ts, end_ts, dur_ns, result FROM host_syncs ORDER BY begin_id',
  callsites: 'SELECT site_id, symbol, module, addr, "offset", file, line, dl_symbol FROM callsites ORDER BY site_id',
} as const;

export type ExportTable = keyof typeof EXPORT_TABLES;
