// `mpstrace report`: load a trace, lay it out, write one self-contained HTML file.
import { writeFileSync } from 'node:fs';
import { openTrace } from '../ingest/load.js';
import { UserError } from '../util/errors.js';
import { buildReportPayload, type ReportModelOptions, type ReportStats } from './model.js';
import { renderHtml } from './html.js';

export interface WriteReportResult extends ReportStats {
  bytes: number;
  out: string;
}

export interface WriteReportOptions extends Omit<ReportModelOptions, 'tracePath'> {
  /** Passed to openTrace: reuse (or create) a .duckdb cache of the decoded trace. */
  cache?: string | boolean;
}

export async function writeReport(tracePath: string, out: string, opts: WriteReportOptions = {}): Promise<WriteReportResult> {
  const loaded = await openTrace(tracePath, { cache: opts.cache });
  let html: string;
  let stats: ReportStats;
  try {
    const built = await buildReportPayload(loaded, { ...opts, tracePath });
    stats = built.stats;
    html = renderHtml(built.payload);
  } finally {
    loaded.close();
  }
  try {
    writeFileSync(out, html);
  } catch (e) {
    throw new UserError(`${out}: cannot write the report (${(e as Error).message}); check the directory exists and is writable`);
  }
  return { ...stats, bytes: Buffer.byteLength(html), out };
}
