// `mpstrace report`: load a trace, lay it out, write one self-contained HTML file.
import { TraceSession } from '../analyze/session.js';
import { writeOutput } from '../util/output.js';
import { progress } from '../util/progress.js';
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
  const line = progress(); // the detectors show their own line in between
  try {
    line.update('laying out the timeline', true);
    const built = await buildReportPayload(session.loaded, { analyze: () => session.findings(), ...opts, tracePath });
    stats = built.stats;
    line.update('compressing the page', true);
    html = renderHtml(built.payload);
  } finally {
    line.end();
    session.close();
  }
  // `-` is stdout; missing directories are created; a failed write is a UserError naming `out`
  writeOutput(out, html);
  return { ...stats, bytes: Buffer.byteLength(html), out };
}
