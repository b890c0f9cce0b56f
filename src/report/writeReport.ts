// `mpstrace report`: load a trace, lay it out, write one self-contained HTML file.
import { writeFileSync } from 'node:fs';
import { TraceSession } from '../analyze/session.js';
import { UserError } from '../util/errors.js';
import { buildReportPayload, type ReportModelOptions, type ReportStats } from './model.js';
import { renderHtml } from './html.js';

export interface WriteReportResult extends ReportStats {
  bytes: number;
  out: string;
}

export interface WriteReportOptions extends Omit<ReportModelOptions, 'tracePath'> {
  /** Passed to TraceSession.open: reuse (or create) a .duckdb cache of the decoded trace. */
  cache?: string | boolean;
}

export async function writeReport(tracePath: string, out: string, opts: WriteReportOptions = {}): Promise<WriteReportResult> {
  const session = await TraceSession.open(tracePath, { cache: opts.cache });
  let html: string;
  let stats: ReportStats;
  try {
    const built = await buildReportPayload(session.loaded, { analyze: () => session.findings(), ...opts, tracePath });
    stats = built.stats;
    html = renderHtml(built.payload);
  } finally {
    session.close();
  }
  try {
    writeFileSync(out, html);
  } catch (e) {
    throw new UserError(`${out}: cannot write the report (${(e as Error).message}); check the directory exists and is writable`);
  }
  return { ...stats, bytes: Buffer.byteLength(html), out };
}
