// Open a trace, compute its metrics (and findings counts), close it.
import { TraceSession } from '../analyze/session.js';
import { VERSION } from '../version.js';
import { computeMetrics } from './compute.js';
import { countFindings } from './findings.js';
import { METRICS_SCHEMA_VERSION, type MetricsDocument, type MetricsOptions, type TraceMetrics } from './types.js';

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
  const metrics = await computeMetrics(trace.connection, options, findings);
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
