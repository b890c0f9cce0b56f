// Metrics memory probe: which statement of `computeMetrics` holds the RSS. Opens a trace
// (optionally counts its findings first, as `mpstrace metrics` does), then runs the metrics
// with every statement on the session's connection logged: seconds, the peak RSS of that
// statement (the kernel's high-water mark, reset before each one through
// /proc/self/clear_refs, so /usr/bin/time's peak of this process is not the whole run's),
// the RSS after it, the JavaScript heap, and DuckDB's own accounting (duckdb_memory(),
// read on a second connection: buffer-pool bytes and spilled bytes). Linux only.
//   npm run bench -- metrics-probe <trace> [--findings] [--dist DIR]
// One line per statement on stdout; the statements of the findings are not logged (the
// analyzer streams results on the same connection), only their total.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchSetup } from './lib/common.mjs';

const { root, args, opt, log } = benchSetup('metrics-probe', { needs: 'metrics/compute.js' });
const trace = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--dist');
if (!trace) {
  log('usage: npm run bench -- metrics-probe <trace> [--findings] [--dist DIR]');
  process.exit(2);
}
const dist = path.resolve(opt('dist', path.join(root, 'dist')));
const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
const { TraceSession } = await load('analyze/session.js');
const { computeMetrics } = await load('metrics/compute.js');
const { countFindings } = await load('metrics/findings.js');

const mb = (kb) => Math.round(kb / 1024);
function vm() {
  const s = readFileSync('/proc/self/status', 'utf8');
  const get = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { peak: mb(get('VmHWM')), rss: mb(get('VmRSS')) };
}
const resetPeak = () => writeFileSync('/proc/self/clear_refs', '5');
const t0 = performance.now();
const secs = (t) => ((performance.now() - t) / 1000).toFixed(1);

resetPeak();
let t = performance.now();
const session = await TraceSession.open(trace);
const conn = session.connection;
const side = await session.loaded.instance.connect();
async function duck() {
  const r = await side.runAndReadAll(
    'SELECT sum(memory_usage_bytes) // 1000000 AS mem, sum(temporary_storage_bytes) // 1000000 AS tmp FROM duckdb_memory()',
  );
  const [row] = r.getRowObjectsJS();
  return `duck_pool_mb=${row.mem} duck_spilled_mb=${row.tmp}`;
}
function line(label, since) {
  const v = vm();
  const heap = Math.round(process.memoryUsage().heapUsed / 1048576);
  return `t=${secs(t0)} s=${secs(since)} peak_rss_mb=${v.peak} rss_mb=${v.rss} js_heap_mb=${heap} ${label}`;
}
process.stdout.write(`${line(`${await duck()} :: open`, t)}\n`);

let findings;
if (args.includes('--findings')) {
  resetPeak();
  t = performance.now();
  findings = await countFindings(() => session.findings());
  process.stdout.write(`${line(`${await duck()} :: findings (${findings.errors} errors, ${findings.warnings} warnings)`, t)}\n`);
}

// Log each statement once: queryRows goes through runAndReadAll, others through run.
let depth = 0;
for (const m of ['run', 'runAndReadAll']) {
  const orig = conn[m];
  conn[m] = async function (sql, ...rest) {
    if (depth > 0) return orig.call(this, sql, ...rest);
    depth++;
    resetPeak();
    const since = performance.now();
    try {
      return await orig.call(this, sql, ...rest);
    } finally {
      depth--;
      process.stdout.write(`${line(`${await duck()} :: ${sql.replace(/\s+/g, ' ').slice(0, 140)}`, since)}\n`);
    }
  };
}
resetPeak();
t = performance.now();
await computeMetrics(conn, {}, findings);
process.stdout.write(`${line('metrics done', t)}\n`);
side.closeSync?.();
session.close();
