// The runs on each side of a diff: trace files (measured now) or saved
// `metrics --json` documents (each holding one or more runs).
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { measureTrace } from '../metrics/measure.js';
import { METRICS_SCHEMA_VERSION, type MetricsOptions, type TraceMetrics } from '../metrics/types.js';
import { UserError } from '../util/errors.js';

export interface Run {
  /** File (and, for saved documents, the run's trace name). */
  label: string;
  metrics: TraceMetrics;
  /** Measurement options a saved document was made with (absent for traces measured now). */
  savedOptions?: Partial<MetricsOptions>;
}

const COMPARED_OPTIONS = ['stepRange', 'idleGapStepPct', 'idleGapMinNs'] as const;

/** Notes for saved runs measured with other options than the traces measured now. */
export function optionMismatches(runs: Run[], current: Partial<MetricsOptions>): string[] {
  const notes = new Set<string>();
  for (const r of runs) {
    if (!r.savedOptions) continue;
    for (const k of COMPARED_OPTIONS) {
      if (current[k] !== undefined && r.savedOptions[k] !== current[k]) {
        notes.add(
          `${r.label.replace(/:[^:]*$/, '')} was measured with ${k}=${String(r.savedOptions[k])}, traces now with ${String(current[k])}: step and idle-gap metrics may not compare`,
        );
      }
    }
  }
  return [...notes];
}

function looksLikeJson(file: string): boolean {
  if (file.endsWith('.json')) return true;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('utf8').trimStart().startsWith('{');
  } finally {
    closeSync(fd);
  }
}

/** Parse and check a saved metrics document; errors say which file and what to do. */
export function parseMetricsDocument(file: string, text: string): Run[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message}); pass a trace or the output of \`mpstrace metrics --json\``);
  }
  const d = doc as { schema_version?: unknown; tool?: unknown; traces?: unknown; options?: Partial<MetricsOptions> };
  if (typeof d !== 'object' || d === null || d.tool !== 'mpstrace' || !Array.isArray(d.traces)) {
    throw new UserError(
      `${file}: not an mpstrace metrics document (expected {schema_version, tool: "mpstrace", traces: [...]} from \`mpstrace metrics --json\`)`,
    );
  }
  if (typeof d.schema_version !== 'number' || d.schema_version > METRICS_SCHEMA_VERSION || d.schema_version < 1) {
    throw new UserError(
      `${file}: metrics schema_version ${String(d.schema_version)} is not supported (this mpstrace reads 1..${METRICS_SCHEMA_VERSION}); regenerate the baseline with this version`,
    );
  }
  if (d.traces.length === 0) throw new UserError(`${file}: the metrics document holds no runs`);
  return d.traces.map((t: unknown, i: number) => {
    const run = t as { trace?: unknown; metrics?: unknown };
    const m = run?.metrics as Partial<TraceMetrics> | undefined;
    if (
      !m ||
      typeof m !== 'object' ||
      typeof m.wall_span_ns !== 'number' ||
      !m.gpu ||
      !m.host_sync ||
      !m.step ||
      !m.idle_gaps ||
      !m.submissions ||
      !Array.isArray(m.kernels) ||
      !m.findings
    ) {
      throw new UserError(`${file}: traces[${i}] has no complete metrics object; regenerate it with \`mpstrace metrics --json\``);
    }
    const savedOptions = typeof d.options === 'object' && d.options !== null ? d.options : {};
    return { label: `${file}:${typeof run.trace === 'string' ? run.trace : i}`, metrics: m as TraceMetrics, savedOptions };
  });
}

export async function loadRuns(files: string[], options: Partial<MetricsOptions> = {}): Promise<Run[]> {
  const runs: Run[] = [];
  for (const file of files) {
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      throw new UserError(`${file}: no such file; pass trace files (.mpst) or saved \`mpstrace metrics --json\` documents`);
    }
    if (!isFile) throw new UserError(`${file}: not a regular file`);
    if (looksLikeJson(file)) runs.push(...parseMetricsDocument(file, readFileSync(file, 'utf8')));
    else runs.push({ label: file, metrics: await measureTrace(file, options) });
  }
  return runs;
}
