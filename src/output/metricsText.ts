// Human-readable `metrics` output: the headline numbers, then the top tables.
import { formatValue } from './diffText.js';
import { escapeText } from '../util/escape.js';
import type { MetricsDocument, TraceMetrics } from '../metrics/types.js';

const ns = (v: number | null) => formatValue(v, 'ns');
const TOP = 8;

function one(trace: string, m: TraceMetrics): string[] {
  const l: string[] = [];
  l.push(`${escapeText(trace)}  (${m.source.backend}, ${m.source.events} records, GPU timing: ${m.source.gpu_timing})`);
  l.push(`  wall span            ${ns(m.wall_span_ns)}`);
  if (m.step.source === 'none') {
    l.push('  steps                none found (no range pushed >= 3 times by one thread, no device-wide syncs; try --step-range NAME)');
  } else {
    l.push(
      `  steps                ${m.step.count} via ${m.step.source}; ${m.step.timing} time median ${ns(m.step.median_ns)}, p90 ${ns(m.step.p90_ns)}` +
        (m.step.timing === 'gpu' ? ` (host: ${ns(m.step.host_median_ns)})` : ''),
    );
  }
  l.push(
    `  window               ${ns(m.window.duration_ns)} (${m.window.source === 'steps' ? 'the complete steps' : 'whole trace'}); percentages below are of it`,
  );
  l.push(`  GPU busy (any)       ${ns(m.gpu.busy_union_ns)}  = ${m.gpu.utilization_pct.toFixed(1)} %`);
  l.push(
    `  >= 2 streams busy    ${ns(m.gpu.concurrent_ns)}  = ${m.gpu.concurrency_pct.toFixed(1)} % of busy; parallelism ${m.gpu.achieved_parallelism.toFixed(2)}x over ${m.gpu.streams_used} stream(s)`,
  );
  l.push(
    `  host blocked in sync ${ns(m.host_sync.blocked_ns)}  = ${m.host_sync.blocked_pct.toFixed(1)} %; ${m.host_sync.count} calls` +
      (m.host_sync.per_step !== null ? `, ${m.host_sync.per_step} per step` : '') +
      (m.host_sync.unreturned ? `, ${m.host_sync.unreturned} never returned` : ''),
  );
  l.push(
    `  submissions          ${m.submissions.count} (${m.submissions.rate_per_s.toFixed(0)}/s); queue depth mean ${m.submissions.queue_depth_mean.toFixed(2)}, max ${m.submissions.queue_depth_max}`,
  );
  l.push(
    `  GPU idle gaps        ${m.idle_gaps.count} > ${ns(m.idle_gaps.threshold_ns)}; total ${ns(m.idle_gaps.total_ns)} (${m.idle_gaps.pct_of_window.toFixed(1)} %), max ${ns(m.idle_gaps.max_ns)}`,
  );
  const f = m.findings;
  l.push(
    `  findings             ${
      f.available
        ? `${f.errors} error, ${f.warnings} warning` +
          (
            Object.keys(f.by_rule).length
              ? ` (${Object.entries(f.by_rule)
                  .map(([r, v]) => `${escapeText(r)}: ${v.count}`)
                  .join(', ')})`
              : ''
          )
        : `n/a (${f.note})`
    }`,
  );
  if (m.gpu.streams.length) {
    l.push('  streams:');
    for (const s of m.gpu.streams.slice(0, TOP))
      l.push(`    #${s.index} ${s.stream}  busy ${ns(s.busy_ns)} (${s.utilization_pct.toFixed(1)} %), ${s.submissions} submissions`);
  }
  if (m.host_sync.by_api.length) {
    l.push('  syncs by API:');
    for (const a of m.host_sync.by_api.slice(0, TOP))
      l.push(`    ${escapeText(`${a.scope}:${a.api}`)}  ${a.count} calls, blocked ${ns(a.blocked_ns)}, max ${ns(a.max_ns)}`);
  }
  if (m.kernels.length) {
    l.push('  top kernels by GPU time:');
    for (const k of m.kernels.slice(0, TOP))
      l.push(
        `    ${escapeText(k.name)}  x${k.count}, total ${ns(k.total_ns)}, p50 ${ns(k.p50_ns)}, p90 ${ns(k.p90_ns)}, p99 ${ns(k.p99_ns)}`,
      );
  }
  return l;
}

export function renderMetricsText(doc: MetricsDocument): string {
  // Each line is escaped once more as a whole: stream labels, notes and any field added later hold trace strings too.
  return doc.traces.map((t) => one(t.trace, t.metrics).map(escapeText).join('\n')).join('\n\n') + '\n';
}
