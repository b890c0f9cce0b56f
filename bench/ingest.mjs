// Ingest bench: synthesize N events (default 10 M), time openTrace on the binary
// trace, and in the same run time DuckDB's read_json over the same events as
// NDJSON with explicit columns. Each timed load runs in its own child process so
// its peak RSS is its own; the two loads alternate (which goes first alternates
// too) for --reps rounds, and each round prints both side by side. The summary
// gives the median and the worst of each, with the machine's load average, since
// on a shared machine every run is slowed by whatever else runs. Needs `npm run build` first.
//   npm run bench -- ingest [--events N] [--reps 5] [--keep] [--dir D]
// With --dir D, a trace and NDJSON of the same event count left there by an
// earlier --keep run are reused (writing the NDJSON takes longer than the loads).
// With --before DIST (another build's dist/, e.g. main's), each round also loads the
// trace with that build, so before and after are timed side by side in one run (the
// three loads of a round rotate which goes first); ratios are each build's to read_json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { benchSetup } from './lib/common.mjs';

const { root, dist, args, opt, log } = benchSetup('ingest', { needs: 'ingest/load.js' });

async function child(mode, file) {
  // Child: one timed load, prints a JSON line with seconds and peak RSS.
  if (mode === 'synth') {
    const { synthesize } = await import(dist('synth/generate.js'));
    const { writer, events } = synthesize({ events: Number(args[3]), seed: 42 });
    writer.writeFile(file);
    return { events };
  }
  if (mode === 'trace' || mode === 'trace-before') {
    const { openTrace } = await import(
      mode === 'trace' ? dist('ingest/load.js') : pathToFileURL(path.join(path.resolve(args[3]), 'ingest/load.js')).href
    );
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const t = await openTrace(file, { progress: false });
    const s = (performance.now() - t0) / 1000;
    const cu = process.cpuUsage(c0);
    const n = (await t.connection.runAndReadAll('SELECT count(*) AS n FROM raw_events')).getRows()[0][0];
    t.close();
    return { s, cpu: (cu.user + cu.system) / 1e6, rows: Number(n), rss_mb: process.resourceUsage().maxRSS / 1024 };
  }
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const inst = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const c = await inst.connect();
  const cols =
    "{id: 'BIGINT', ts: 'BIGINT', tid: 'BIGINT', kind: 'UTINYINT', site: 'UINTEGER', p0: 'BIGINT', p1: 'BIGINT', p2: 'BIGINT', p3: 'BIGINT', p4: 'BIGINT'}";
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await c.run(
    `CREATE TABLE raw_events AS SELECT * FROM read_json('${file.replace(/'/g, "''")}', format = 'newline_delimited', columns = ${cols})`,
  );
  const s = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const n = (await c.runAndReadAll('SELECT count(*) FROM raw_events')).getRows()[0][0];
  c.closeSync();
  inst.closeSync();
  return { s, cpu: (cu.user + cu.system) / 1e6, rows: Number(n), rss_mb: process.resourceUsage().maxRSS / 1024 };
}

if (args[0] === '--child') {
  process.stdout.write(JSON.stringify(await child(args[1], args[2])) + '\n');
  process.exit(0);
}

const events = Number(opt('events', '10000000'));
const dir = opt('dir', path.join(tmpdir(), `mpstrace-bench-${process.pid}`));
mkdirSync(dir, { recursive: true });
const trace = path.join(dir, 'bench.mpst');
const ndjson = path.join(dir, 'bench.ndjson');

function runChild(argv) {
  const r = spawnSync(process.execPath, argv, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    log(`child failed: ${argv.join(' ')}\n${r.stderr}`);
    process.exit(1);
  }
  return r.stdout;
}

const median = (xs) => {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
};
const load = () => loadavg()[0].toFixed(1);

try {
  const me = fileURLToPath(import.meta.url);
  const stamp = path.join(dir, 'events.txt');
  const reuse = existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === String(events) && existsSync(trace) && existsSync(ndjson);
  if (reuse) log(`reusing ${trace} and ${ndjson} (${events} events)`);
  else {
    let t = performance.now();
    runChild([me, '--child', 'synth', trace, String(events)]);
    log(`synthesized ${events} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // The same rows as NDJSON, decoded with the reader (explicit, fixed key order).
    t = performance.now();
    const { TraceReader } = await import(dist('format/reader.js'));
    const r = TraceReader.open(trace);
    const fd = openSync(ndjson, 'w');
    for (const b of r.batches(1 << 16)) {
      const lines = new Array(b.count);
      for (let i = 0; i < b.count; i++) {
        lines[i] =
          `{"id":${b.id[i]},"ts":${b.ts[i]},"tid":${b.tid[i]},"kind":${b.kind[i]},"site":${b.site[i]},"p0":${b.p[0][i]},"p1":${b.p[1][i]},"p2":${b.p[2][i]},"p3":${b.p[3][i]},"p4":${b.p[4][i]}}\n`;
      }
      writeSync(fd, lines.join(''));
    }
    closeSync(fd);
    r.close();
    writeFileSync(stamp, `${events}\n`);
    log(`wrote NDJSON (${(statSync(ndjson).size / 1e6).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }

  const reps = Number(opt('reps', '5'));
  const beforeDist = opt('before', '');
  if (beforeDist && !existsSync(path.join(beforeDist, 'ingest/load.js'))) {
    log(`--before ${beforeDist}: no ingest/load.js there; give a built dist/ directory`);
    process.exit(2);
  }
  const bins = [];
  const jsons = [];
  const befores = [];
  const load0 = load();
  const cell = (x) => `${x.s.toFixed(2).padStart(7)} s / ${x.cpu.toFixed(2).padStart(5)} s`;
  process.stdout.write(
    `round  ${beforeDist ? 'before wall / CPU       ratio   ' : ''}openTrace wall / CPU    read_json wall / CPU    ratio (wall)  load avg\n`,
  );
  for (let i = 0; i < reps; i++) {
    const one = (mode, f) => JSON.parse(runChild([me, '--child', mode, f, ...(mode === 'trace-before' ? [beforeDist] : [])]));
    const order = beforeDist ? ['trace', 'json', 'trace-before'] : ['trace', 'json'];
    const got = {};
    for (let k = 0; k < order.length; k++) {
      const mode = order[(k + i) % order.length];
      got[mode] = one(mode, mode === 'json' ? ndjson : trace);
    }
    const b = got.trace;
    const j = got.json;
    const a = got['trace-before'];
    if (b.rows !== events || j.rows !== events || (a && a.rows !== events)) {
      log(`row counts differ: trace ${b.rows}, json ${j.rows}${a ? `, before ${a.rows}` : ''}, expected ${events}`);
      process.exit(1);
    }
    bins.push(b);
    jsons.push(j);
    if (a) befores.push(a);
    process.stdout.write(
      `${String(i + 1).padStart(5)}  ${a ? `${cell(a)}  ${(j.s / a.s).toFixed(2).padStart(5)}x   ` : ''}${cell(b)}    ${cell(j)}    ${(j.s / b.s).toFixed(2).padStart(10)}x  ${load()}\n`,
    );
  }
  const bs = bins.map((x) => x.s);
  const js = jsons.map((x) => x.s);
  const ratios = bins.map((b, i) => jsons[i].s / b.s);
  const bMed = median(bs);
  const jMed = median(js);
  const bytes = statSync(trace).size;
  const f = (x) => x.toFixed(2);
  // The ratio is taken per round (the two loads of a round ran close together) and its median reported.
  const rMed = median(ratios);
  process.stdout.write(
    `median   ${f(bMed).padStart(7)} s / ${f(median(bins.map((x) => x.cpu))).padStart(5)} s    ${f(jMed).padStart(7)} s / ${f(median(jsons.map((x) => x.cpu))).padStart(5)} s    ${f(rMed).padStart(10)}x (median round)\n` +
      `worst    ${f(Math.max(...bs)).padStart(7)} s / ${f(Math.max(...bins.map((x) => x.cpu))).padStart(5)} s    ${f(Math.max(...js)).padStart(7)} s / ${f(Math.max(...jsons.map((x) => x.cpu))).padStart(5)} s    ${f(Math.min(...ratios)).padStart(10)}x (worst round)\n`,
  );
  if (befores.length) {
    const as = befores.map((x) => x.s);
    const ar = befores.map((x, i) => jsons[i].s / x.s);
    process.stdout.write(
      `before   ${f(median(as)).padStart(7)} s / ${f(median(befores.map((x) => x.cpu))).padStart(5)} s    ${f(median(ar))}x (median round)  ` +
        `worst ${f(Math.max(...as))} s / ${f(Math.max(...befores.map((x) => x.cpu)))} s    ${f(Math.min(...ar))}x (worst round)  ` +
        `peak RSS ${Math.round(Math.max(...befores.map((x) => x.rss_mb)))} MB\n` +
        `before_ingest_s_median=${median(as).toFixed(3)} before_ratio_vs_read_json=${f(median(ar))} before_ratio_worst_round=${f(Math.min(...ar))} ` +
        `before_cpu_s_median=${median(befores.map((x) => x.cpu)).toFixed(3)} before_events_per_s=${Math.round(events / median(as))}\n`,
    );
  }
  process.stdout.write(
    `ingest: ${events} events, ${cpus().length} CPUs, trace ${(bytes / 1e6).toFixed(0)} MB, peak RSS ${Math.round(Math.max(...bins.map((x) => x.rss_mb)))} MB (read_json ${Math.round(Math.max(...jsons.map((x) => x.rss_mb)))} MB), load average ${load0} -> ${load()}\n`,
  );
  process.stdout.write(
    [
      `ingest_events_per_s=${Math.round(events / bMed)}`,
      `ratio_vs_read_json=${f(rMed)}`,
      `bytes_per_event=${(bytes / events).toFixed(2)}`,
      `peak_rss_mb=${Math.round(Math.max(...bins.map((x) => x.rss_mb)))}`,
      `events=${events}`,
      `ingest_s_median=${bMed.toFixed(3)}`,
      `ingest_s_worst=${Math.max(...bs).toFixed(3)}`,
      `read_json_s_median=${jMed.toFixed(3)}`,
      `read_json_s_worst=${Math.max(...js).toFixed(3)}`,
      `ingest_events_per_s_worst=${Math.round(events / Math.max(...bs))}`,
      `read_json_events_per_s=${Math.round(events / jMed)}`,
      `ratio_worst_round=${f(Math.min(...ratios))}`,
      `ratio_cpu=${f(median(jsons.map((x) => x.cpu)) / median(bins.map((x) => x.cpu)))}`,
      `ingest_cpu_s_median=${median(bins.map((x) => x.cpu)).toFixed(3)}`,
      `read_json_cpu_s_median=${median(jsons.map((x) => x.cpu)).toFixed(3)}`,
      `reps=${reps}`,
    ].join(' ') + '\n',
  );
} finally {
  if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}
