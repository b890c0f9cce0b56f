// Detectors bench: synthesize N events (default 10 M) with the synth module,
// load them with openTrace, run every detector once and print each one's time.
// The last line is key=value: detectors_total_s, events, load_s, <rule>_ms.
// Needs `npm run build` first.
//   npm run bench -- detectors [--events N] [--keep] [--dir D] [--trace FILE]
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import path from 'node:path';
import { benchSetup } from './lib/common.mjs';

const { dist, args, opt, log } = benchSetup('detectors', { needs: 'analyze/analyzeTrace.js' });

const { synthesize } = await import(dist('synth/generate.js'));
const { openTrace } = await import(dist('ingest/load.js'));
const { analyzeTrace } = await import(dist('analyze/analyzeTrace.js'));
const { loadDetectors } = await import(dist('detectors/registry.js'));

const events = Number(opt('events', '10000000'));
const dir = opt('dir', path.join(tmpdir(), `mpstrace-bench-det-${process.pid}`));
let trace = opt('trace', '');
if (!trace) {
  mkdirSync(dir, { recursive: true });
  trace = path.join(dir, 'bench.mpst');
  const t0 = performance.now();
  const { writer, events: n } = synthesize({ events, streams: 8, threads: 8, seed: 7 });
  writer.writeFile(trace);
  log(`synthesized ${n} events in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${trace}`);
}

const t0 = performance.now();
const loaded = await openTrace(trace, { progress: false });
const loadS = (performance.now() - t0) / 1000;
const rows = Number((await loaded.connection.runAndReadAll('SELECT count(*) FROM raw_events')).getRows()[0][0]);
log(`loaded ${rows} events in ${loadS.toFixed(2)} s`);

const timings = {};
// CPU time (all DuckDB threads) next to wall time: on a shared machine the
// wall time depends on what else runs; the load average says how busy it was.
const load = loadavg()[0];
const c0 = process.cpuUsage();
const t1 = performance.now();
const findings = await analyzeTrace(loaded, {
  onTiming: (rule, ms) => {
    timings[rule] = ms;
  },
});
const totalS = (performance.now() - t1) / 1000;
const cpu = process.cpuUsage(c0);
const cpuS = (cpu.user + cpu.system) / 1e6;
loaded.close();

for (const d of await loadDetectors()) log(`${d.id.padEnd(24)} ${timings[d.id].toFixed(0).padStart(7)} ms`);
const occurrences = findings.reduce((a, f) => a + (f.severity === 'info' ? 0 : f.count), 0);
log(
  `${findings.length} grouped findings (${occurrences} occurrences) in ${totalS.toFixed(2)} s (${cpuS.toFixed(2)} s CPU on ${cpus().length} cores, load average ${load.toFixed(1)} before)`,
);
if (!args.includes('--keep') && !opt('trace', '')) rmSync(dir, { recursive: true, force: true });

const perRule = Object.entries(timings)
  .map(([k, v]) => `${k.replace(/-/g, '_')}_ms=${v.toFixed(0)}`)
  .join(' ');
process.stdout.write(
  `detectors_total_s=${totalS.toFixed(2)} events=${rows} detectors_cpu_s=${cpuS.toFixed(2)} cores=${cpus().length} loadavg=${load.toFixed(1)} load_s=${loadS.toFixed(2)} findings=${findings.length} ${perRule}\n`,
);
