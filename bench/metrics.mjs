// Metrics bench: synthesize N events (default 10 M), load the trace once, then
// time computeMetrics (the SQL metrics, without the analyzer) and, separately,
// the findings count. Needs `npm run build` first.
//   npm run bench -- metrics [--events N] [--keep] [--dir D] [--trace existing.mpst]
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { benchSetup } from './lib/common.mjs';

const { root, dist, args, opt, log } = benchSetup('metrics', { needs: 'metrics/compute.js' });

const events = Number(opt('events', '10000000'));
const dir = opt('dir', path.join(tmpdir(), `mpstrace-bench-metrics-${process.pid}`));
const given = opt('trace', undefined);
mkdirSync(dir, { recursive: true });
const trace = given ?? path.join(dir, 'bench.mpst');

try {
  if (!given) {
    const t = performance.now();
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'bin', 'mpstrace.js'), 'synth', '-o', trace, '--events', String(events), '--seed', '42'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (r.status !== 0) process.exit(1);
    log(`synthesized ${events} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const { openTrace } = await import(dist('ingest/load.js'));
  const { computeMetrics } = await import(dist('metrics/compute.js'));
  const { countFindings } = await import(dist('metrics/findings.js'));
  const { analyzeTrace } = await import(dist('analyze/analyzeTrace.js'));
  let t = performance.now();
  const loaded = await openTrace(trace, { progress: false });
  const loadS = (performance.now() - t) / 1000;
  log(`loaded ${loaded.info.events} records in ${loadS.toFixed(2)} s`);

  t = performance.now();
  const m = await computeMetrics(loaded.connection, {});
  const metricsS = (performance.now() - t) / 1000;
  log(
    `metrics in ${metricsS.toFixed(2)} s: ${m.submissions.count} submissions, ${m.gpu.streams_used} streams, ${m.host_sync.count} syncs, ${m.kernels.length} kernel names`,
  );

  t = performance.now();
  const f = await countFindings(() => analyzeTrace(loaded));
  const findingsS = (performance.now() - t) / 1000;
  log(`findings in ${findingsS.toFixed(2)} s (${f.available ? `${f.errors} errors` : f.note})`);
  const n = loaded.info.events;
  loaded.close();
  process.stdout.write(`metrics: ${n} events, ${cpus().length} CPUs\n`);
  process.stdout.write(
    [
      `metrics_s=${metricsS.toFixed(3)}`,
      `events=${n}`,
      `metrics_events_per_s=${Math.round(n / metricsS)}`,
      `load_s=${loadS.toFixed(3)}`,
      `findings_s=${findingsS.toFixed(3)}`,
      `submissions=${m.submissions.count}`,
    ].join(' ') + '\n',
  );
} finally {
  if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}
