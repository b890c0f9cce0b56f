// Which scalar metrics `diff` compares, their units and which direction is a
// regression. Keys are stable across runs of one program: streams by rank of
// first activity (handles change run to run), kernels by name, syncs by
// scope:api. docs/metrics-schema.md lists the same table.
import type { TraceMetrics } from './types.js';

export type Direction = 'higher_is_worse' | 'lower_is_worse' | 'info';
export type Unit = 'ns' | 'pct' | 'count' | 'ratio' | 'per_s';

export interface MetricDef {
  /** Key, or a pattern with `<...>` placeholders for per-stream/kernel/API keys. */
  key: string;
  unit: Unit;
  direction: Direction;
  description: string;
  /** A run that lacks this key has the value 0 (e.g. a sync API never called). */
  zeroWhenAbsent?: boolean;
}

export const METRIC_CATALOG: MetricDef[] = [
  {
    key: 'wall_span_ns',
    unit: 'ns',
    direction: 'info',
    description: 'whole process, start-up included (not gated: it varied 25 % between machines in the real runs)',
  },
  { key: 'step.median_ns', unit: 'ns', direction: 'higher_is_worse', description: 'median step time (see step.source)' },
  { key: 'step.p90_ns', unit: 'ns', direction: 'higher_is_worse', description: '90th percentile step time' },
  { key: 'step.count', unit: 'count', direction: 'info', description: 'steps found' },
  { key: 'step.host_median_ns', unit: 'ns', direction: 'info', description: 'median interval between step starts on the host' },
  { key: 'window.duration_ns', unit: 'ns', direction: 'info', description: 'length of the measurement window' },
  { key: 'gpu.busy_union_ns', unit: 'ns', direction: 'info', description: 'time with any stream busy' },
  { key: 'gpu.busy_sum_ns', unit: 'ns', direction: 'info', description: 'sum of per-stream busy time' },
  { key: 'gpu.utilization_pct', unit: 'pct', direction: 'lower_is_worse', description: 'busy_union_ns / window.duration_ns' },
  { key: 'gpu.concurrent_ns', unit: 'ns', direction: 'info', description: 'time with at least two streams busy' },
  { key: 'gpu.concurrency_pct', unit: 'pct', direction: 'lower_is_worse', description: 'concurrent_ns / busy_union_ns' },
  { key: 'gpu.achieved_parallelism', unit: 'ratio', direction: 'lower_is_worse', description: 'busy_sum_ns / busy_union_ns' },
  { key: 'gpu.streams_used', unit: 'count', direction: 'info', description: 'streams with GPU work' },
  { key: 'host_sync.count', unit: 'count', direction: 'higher_is_worse', description: 'blocking host sync calls' },
  { key: 'host_sync.per_step', unit: 'ratio', direction: 'higher_is_worse', description: 'host syncs per step' },
  { key: 'host_sync.blocked_ns', unit: 'ns', direction: 'higher_is_worse', description: 'host time blocked in syncs' },
  { key: 'host_sync.blocked_pct', unit: 'pct', direction: 'higher_is_worse', description: 'blocked_ns / window.duration_ns' },
  { key: 'host_sync.unreturned', unit: 'count', direction: 'higher_is_worse', description: 'sync calls that never returned' },
  {
    key: 'host_sync.api.<scope>:<api>.count',
    unit: 'count',
    direction: 'higher_is_worse',
    description: 'calls per sync API',
    zeroWhenAbsent: true,
  },
  {
    key: 'host_sync.api.<scope>:<api>.blocked_ns',
    unit: 'ns',
    direction: 'higher_is_worse',
    description: 'blocked time per sync API',
    zeroWhenAbsent: true,
  },
  { key: 'submissions.count', unit: 'count', direction: 'info', description: 'GPU submissions' },
  { key: 'submissions.rate_per_s', unit: 'per_s', direction: 'info', description: 'submissions per second of the window' },
  {
    key: 'submissions.queue_depth_mean',
    unit: 'ratio',
    direction: 'info',
    description: 'time-weighted mean of submitted-not-completed work',
  },
  { key: 'submissions.queue_depth_max', unit: 'count', direction: 'info', description: 'maximum submitted-not-completed work' },
  { key: 'idle_gaps.count', unit: 'count', direction: 'higher_is_worse', description: 'GPU idle gaps above threshold_ns' },
  { key: 'idle_gaps.total_ns', unit: 'ns', direction: 'higher_is_worse', description: 'total time in those gaps' },
  { key: 'idle_gaps.max_ns', unit: 'ns', direction: 'higher_is_worse', description: 'longest gap' },
  { key: 'idle_gaps.pct_of_window', unit: 'pct', direction: 'higher_is_worse', description: 'total_ns / window.duration_ns' },
  { key: 'stream.<index>.busy_ns', unit: 'ns', direction: 'info', description: 'busy time of the k-th stream to become active' },
  { key: 'stream.<index>.submissions', unit: 'count', direction: 'info', description: 'its submissions' },
  { key: 'kernel.<name>.count', unit: 'count', direction: 'info', description: 'executions of a kernel (or memcpy/memset)' },
  {
    key: 'kernel.<name>.p50_ns',
    unit: 'ns',
    direction: 'higher_is_worse',
    description: 'median GPU duration (gated only for kernels with at least MINOR_KERNEL_PCT = 2 % of the GPU time)',
  },
  { key: 'kernel.<name>.share_pct', unit: 'pct', direction: 'info', description: 'share of all measured GPU execution time' },
  { key: 'kernel.<name>.p90_ns', unit: 'ns', direction: 'info', description: '90th percentile GPU duration' },
  { key: 'findings.errors', unit: 'count', direction: 'higher_is_worse', description: 'error-severity findings' },
  { key: 'findings.warnings', unit: 'count', direction: 'info', description: 'warning-severity findings' },
];

const BY_KEY = new Map(METRIC_CATALOG.map((d) => [d.key, d]));

export interface FlatMetric {
  key: string;
  value: number;
  def: MetricDef;
}

/** Only the top kernels by GPU time are compared; the long tail is noise. */
export const TOP_KERNELS = 25;
/**
 * A kernel below this share of the GPU time does not gate on its duration: tiny
 * kernels' durations move with contention (2-3 x between runs in the real traces)
 * while hardly changing the step time, which is gated itself.
 */
export const MINOR_KERNEL_PCT = 2;

/** Flatten one trace's metrics into comparable scalars (null metrics are skipped). */
export function flattenMetrics(m: TraceMetrics): FlatMetric[] {
  const out: FlatMetric[] = [];
  const add = (key: string, pattern: string, value: number | null | undefined) => {
    const def = BY_KEY.get(pattern);
    if (!def) throw new Error(`metric ${pattern} is not in the catalog`);
    if (typeof value === 'number' && Number.isFinite(value)) out.push({ key, value, def });
  };
  const plain = (key: string, value: number | null | undefined) => add(key, key, value);
  plain('wall_span_ns', m.wall_span_ns);
  plain('step.median_ns', m.step.median_ns);
  plain('step.p90_ns', m.step.p90_ns);
  plain('step.count', m.step.count);
  plain('step.host_median_ns', m.step.host_median_ns);
  plain('window.duration_ns', m.window.duration_ns);
  for (const k of [
    'busy_union_ns',
    'busy_sum_ns',
    'utilization_pct',
    'concurrent_ns',
    'concurrency_pct',
    'achieved_parallelism',
    'streams_used',
  ] as const) {
    plain(`gpu.${k}`, m.gpu[k]);
  }
  for (const k of ['count', 'per_step', 'blocked_ns', 'blocked_pct', 'unreturned'] as const) plain(`host_sync.${k}`, m.host_sync[k]);
  for (const a of m.host_sync.by_api) {
    add(`host_sync.api.${a.scope}:${a.api}.count`, 'host_sync.api.<scope>:<api>.count', a.count);
    add(`host_sync.api.${a.scope}:${a.api}.blocked_ns`, 'host_sync.api.<scope>:<api>.blocked_ns', a.blocked_ns);
  }
  for (const k of ['count', 'rate_per_s', 'queue_depth_mean', 'queue_depth_max'] as const) plain(`submissions.${k}`, m.submissions[k]);
  for (const k of ['count', 'total_ns', 'max_ns', 'pct_of_window'] as const) plain(`idle_gaps.${k}`, m.idle_gaps[k]);
  for (const s of m.gpu.streams) {
    add(`stream.${s.index}.busy_ns`, 'stream.<index>.busy_ns', s.busy_ns);
    add(`stream.${s.index}.submissions`, 'stream.<index>.submissions', s.submissions);
  }
  const kernelTotal = m.kernels.reduce((a, k) => a + k.total_ns, 0);
  for (const k of m.kernels.slice(0, TOP_KERNELS)) {
    add(`kernel.${k.name}.count`, 'kernel.<name>.count', k.count);
    add(`kernel.${k.name}.share_pct`, 'kernel.<name>.share_pct', kernelTotal > 0 ? (100 * k.total_ns) / kernelTotal : 0);
    add(`kernel.${k.name}.p50_ns`, 'kernel.<name>.p50_ns', k.p50_ns);
    add(`kernel.${k.name}.p90_ns`, 'kernel.<name>.p90_ns', k.p90_ns);
  }
  if (m.findings.available) {
    plain('findings.errors', m.findings.errors);
    plain('findings.warnings', m.findings.warnings);
  }
  return out;
}
