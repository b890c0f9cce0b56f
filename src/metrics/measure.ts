// Open a trace, compute its metrics (and findings counts), close it.
import { TraceSession } from '../analyze/session.js';
import { VERSION } from '../version.js';
import { computeMetrics } from './compute.js';
import { EXIT_INTERNAL, firstLine, OUT_OF_MEMORY, UserError } from '../util/errors.js';
import { countFindings } from './findings.js';
import { METRICS_SCHEMA_VERSION, type MetricsDocument, type MetricsOptions, type TraceMetrics } from './types.js';

/** The metrics of a trace did not fit DuckDB's memory limit; the message says what still stands (exit 3). */
export class MetricsOutOfMemory extends UserError {
  constructor(message: string) {
    super(message, EXIT_INTERNAL);
    this.name = 'MetricsOutOfMemory';
  }
}

export async function measureTrace(file: string, options: Partial<MetricsOptions> = {}): Promise<TraceMetrics> {
  const trace = await TraceSession.open(file);
  try {
    return await measureSession(trace, options);
  } finally {
    trace.close();
  }
}

/** Metrics of an open session (its findings are the session's shared analysis). */
export async function measureSession(trace: TraceSession, options: Partial<MetricsOptions> = {}): Promise<TraceMetrics> {
  const findings =
    options.findings === false
      ? { available: false, errors: 0, warnings: 0, by_rule: {}, note: 'disabled (--no-findings)' }
      : await countFindings(() => trace.findings());
  let metrics: TraceMetrics;
  try {
    // test hook (test/analyze-partial.test.ts): fail as DuckDB does when the metrics do not fit
    if (process.env.MPSTRACE_TEST_METRICS_OOM) throw new Error('Out of Memory Error: forced by MPSTRACE_TEST_METRICS_OOM');
    metrics = await computeMetrics(trace.connection, options, findings);
  } catch (e) {
    // The GPU-time metrics sort every submission; on a trace too large for DuckDB's limit say what
    // still stands (the findings counts, computed first) instead of failing without them.
    if (!OUT_OF_MEMORY.test(firstLine(e))) throw e;
    const counts = findings.available
      ? `its findings are complete (${findings.errors} errors, ${findings.warnings} warnings; \`mpstrace analyze\` lists them)`
      : findings.failed_rules?.length
        ? `its findings are incomplete too (${findings.errors} errors, ${findings.warnings} warnings from the rules that ran; failed: ${findings.failed_rules.join(', ')})`
        : 'no findings were counted';
    throw new MetricsOutOfMemory(
      `${trace.path}: metrics incomplete: ${firstLine(e)}; the GPU-time metrics (busy time, queue depth, idle gaps, kernel percentiles) ` +
        `sort every submission (${trace.info.events.toLocaleString('en-US')} events) and did not fit DuckDB's memory limit; ${counts}; ` +
        'raise MPSTRACE_MEMORY_LIMIT (e.g. MPSTRACE_MEMORY_LIMIT=4GB) for the metrics',
    );
  }
  for (const w of trace.warnings) {
    metrics.source.warnings.push(`${w.code}: ${w.message}${w.offset !== undefined ? ` (byte offset ${w.offset})` : ''}`);
  }
  return metrics;
}

export async function measureTraces(files: string[], options: Partial<MetricsOptions> = {}): Promise<MetricsDocument> {
  const traces = [];
  for (const file of files) traces.push({ trace: file, metrics: await measureTrace(file, options) });
  const { findings: _f, ...shown } = options;
  return { schema_version: METRICS_SCHEMA_VERSION, tool: 'mpstrace', version: VERSION, options: shown, traces };
}
