// The shape of `mpstrace metrics --json`. Bump METRICS_SCHEMA_VERSION when a
// key changes meaning or is removed (adding keys is compatible); documented in
// docs/metrics-schema.md.

export const METRICS_SCHEMA_VERSION = 1;

/** Where GPU busy intervals came from. */
export type GpuTiming = 'completion' | 'host_submit_spacing' | 'none';

export interface StreamMetrics {
  /** Stream handle as hex text (not stable across runs). */
  stream: string;
  /** Rank by first GPU activity (stable across runs of the same program). */
  index: number;
  submissions: number;
  busy_ns: number;
  utilization_pct: number;
}

export interface SyncGroupMetrics {
  scope: string;
  api: string;
  count: number;
  blocked_ns: number;
  max_ns: number;
}

export interface SyncSiteMetrics {
  site: number;
  /** Symbol+offset when the trace symbolized the site, else `site#<id>`. */
  symbol: string;
  count: number;
  blocked_ns: number;
}

export interface KernelMetrics {
  name: string;
  count: number;
  total_ns: number;
  p50_ns: number;
  p90_ns: number;
  p99_ns: number;
}

export interface FindingsMetrics {
  /** False when the analyzer could not run (not built in, or it failed: see `note`). */
  available: boolean;
  errors: number;
  warnings: number;
  by_rule: Record<string, { severity: string; count: number }>;
  /** Detectors that failed (e.g. DuckDB out of memory): the counts are the other rules' only (`note` says what to do). */
  failed_rules?: string[];
  note?: string;
}

export interface TraceMetrics {
  source: {
    backend: string;
    events: number;
    gpu_timing: GpuTiming;
    warnings: string[];
  };
  wall_span_ns: number;
  /**
   * What the GPU, sync and submission metrics cover: the complete steps
   * (`steps`) or, without steps, the whole trace (`trace`).
   */
  window: { source: 'steps' | 'trace'; start_offset_ns: number; duration_ns: number };
  step: {
    /** How steps were found: `range:<name>`, `device_sync`, or `none`. */
    source: string;
    /** `gpu`: cadence of the GPU end of each step's work; `host`: interval between step starts. */
    timing: 'gpu' | 'host' | 'none';
    /** Intervals between step starts. */
    count: number;
    median_ns: number | null;
    p90_ns: number | null;
    /** Median interval between step starts on the host (differs from median_ns when the host runs ahead). */
    host_median_ns: number | null;
  };
  gpu: {
    busy_union_ns: number;
    busy_sum_ns: number;
    utilization_pct: number;
    /** Time with at least two streams busy. */
    concurrent_ns: number;
    /** concurrent_ns as a share of busy_union_ns. */
    concurrency_pct: number;
    /** busy_sum_ns / busy_union_ns: 1 = serial, k = k streams busy on average. */
    achieved_parallelism: number;
    streams_used: number;
    streams: StreamMetrics[];
  };
  host_sync: {
    count: number;
    /** Calls that never returned in the trace (no sync_end). */
    unreturned: number;
    blocked_ns: number;
    /** blocked_ns as a share of the host's side of the window (first to last step start). */
    blocked_pct: number;
    per_step: number | null;
    by_api: SyncGroupMetrics[];
    by_site: SyncSiteMetrics[];
  };
  submissions: {
    count: number;
    rate_per_s: number;
    /** Submitted but not yet completed, time-weighted over the GPU-active span. */
    queue_depth_mean: number;
    queue_depth_max: number;
  };
  idle_gaps: {
    /** A gap in the union of all streams' busy time counts when longer than this. */
    threshold_ns: number;
    count: number;
    total_ns: number;
    max_ns: number;
    pct_of_window: number;
  };
  kernels: KernelMetrics[];
  findings: FindingsMetrics;
}

export interface MetricsOptions {
  /** Name of a range (range_push) that marks one step; default: auto. */
  stepRange?: string;
  /** A GPU idle gap counts when longer than this share of the median step. */
  idleGapStepPct: number;
  /** ...and longer than this absolute floor (also used when no step is found). */
  idleGapMinNs: number;
  /** Run the analyzer to count findings by rule. */
  findings: boolean;
}

export const DEFAULT_METRICS_OPTIONS: MetricsOptions = {
  idleGapStepPct: 5,
  idleGapMinNs: 50_000,
  findings: true,
};

export interface MetricsDocument {
  schema_version: number;
  tool: 'mpstrace';
  version: string;
  options?: Partial<MetricsOptions>;
  traces: { trace: string; metrics: TraceMetrics }[];
}
