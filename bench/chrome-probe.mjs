// Chrome export memory probe: which statement of `exportChrome` holds the RSS. Opens a
// trace as `mpstrace export --format chrome` does, then runs the export with every
// statement on the session's connection logged: seconds, the peak RSS of that statement
// (the kernel's high-water mark, reset before each one through /proc/self/clear_refs), the
// RSS after it, the JavaScript heap, and DuckDB's own accounting (duckdb_memory() on a
// second connection: buffer-pool and spilled bytes). A streamed query (conn.stream) is
// logged once its last chunk is fetched, so its peak covers the sort, the JSON building
// and the writes of its rows; its first line (`first chunk`) is the sort alone. The
// statements of the findings (the analysis at the end) are logged as one line. Linux only.
//   npm run bench -- chrome-probe <trace> [--out out.json] [--dist DIR]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchSetup } from './lib/common.mjs';

const { root, args, opt, log } = benchSetup('chrome-probe', { needs: 'export/chrome.js' });
const trace = args.find((a, i) => !a.startsWith('-') && !['--dist', '--out'].includes(args[i - 1]));
if (!trace) {
  log('usage: npm run bench -- chrome-probe <trace> [--out out.json] [--dist DIR]');
  process.exit(2);
}
const outPath = opt('out', '/dev/null');
const dist = path.resolve(opt('dist', path.join(root, 'dist')));
const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
const { TraceSession } = await load('analyze/session.js');
const { exportChrome } = await load('export/chrome.js');

const mb = (kb) => Math.round(kb / 1024);
function vm() {
  const s = readFileSync('/proc/self/status', 'utf8');
  const get = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { peak: mb(get('VmHWM')), rss: mb(get('VmRSS')) };
}
let overall = 0;
const resetPeak = () => {
  overall = Math.max(overall, vm().peak);
  writeFileSync('/proc/self/clear_refs', '5');
};
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
  overall = Math.max(overall, v.peak);
  const heap = Math.round(process.memoryUsage().heapUsed / 1048576);
  const ext = Math.round(process.memoryUsage().external / 1048576);
  return `t=${secs(t0)} s=${secs(since)} peak_rss_mb=${v.peak} rss_mb=${v.rss} js_heap_mb=${heap} js_external_mb=${ext} ${label}`;
}
const say = (s) => process.stdout.write(`${s}\n`);
say(line(`${await duck()} :: open (${session.info.events} events)`, t));

const short = (sql) => sql.replace(/\s+/g, ' ').slice(0, 140);
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
      say(line(`${await duck()} :: ${short(sql)}`, since));
    }
  };
}
const origStream = conn.stream;
conn.stream = async function (sql, ...rest) {
  if (depth > 0) return origStream.call(this, sql, ...rest);
  resetPeak();
  const since = performance.now();
  const result = await origStream.call(this, sql, ...rest);
  const fetch = result.fetchChunk.bind(result);
  let first = true;
  let rows = 0;
  result.fetchChunk = async () => {
    const chunk = await fetch();
    if (first) {
      first = false;
      say(line(`${await duck()} :: first chunk of ${short(sql)}`, since));
    }
    if (!chunk || chunk.rowCount === 0) say(line(`${await duck()} :: ${rows} rows of ${short(sql)}`, since));
    else rows += chunk.rowCount;
    return chunk;
  };
  return result;
};
resetPeak();
t = performance.now();
const stats = await exportChrome(session.loaded, outPath, {
  analyze: async () => {
    say(line(`${await duck()} :: before the findings`, t));
    resetPeak();
    const since = performance.now();
    depth++;
    try {
      return (await session.analysis()).findings;
    } finally {
      depth--;
      say(line(`${await duck()} :: findings (analysis)`, since));
    }
  },
});
say(line(`export done: ${JSON.stringify(stats)}`, t));
say(`overall_peak_rss_mb=${Math.max(overall, vm().peak)}`);
side.closeSync?.();
session.close();
