// Big-trace bench: synthesizes N events (default 10 M) with `mpstrace synth`, then runs
// each command on it as its own process under /usr/bin/time and prints, per stage,
// its wall seconds and peak RSS. The goal (issue 17): 100 M events through info,
// analyze and report within 2 GB peak on the 2-core development machine.
//   npm run bench -- bigtrace [--events N] [--stages info,analyze,...] [--dir D] [--keep]
// One key=value line per stage on stdout, then a summary line (the last line):
//   stage=info events=10000000 seconds=12.3 peak_rss_mb=480 exit=0 out_mb=0.0
//   events=10000000 max_peak_rss_mb=... goal_rss_mb=2048 <stage>_s=... <stage>_rss_mb=...
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import path from 'node:path';
import { benchSetup } from './lib/common.mjs';

const { root, args, opt, log } = benchSetup('bigtrace', { needs: 'cli.js' });
const TIME = '/usr/bin/time';
if (!existsSync(TIME)) {
  log("needs GNU time at /usr/bin/time (apt-get install time) to read each stage's peak RSS");
  process.exit(2);
}

const events = Number(String(opt('events', '10000000')).replace(/_/g, ''));
const dir = opt('dir', path.join(tmpdir(), `mpstrace-bigtrace-${process.pid}`));
const keep = args.includes('--keep');
const ALL = ['info', 'analyze', 'metrics', 'report', 'chrome', 'parquet', 'arrow'];
const stages = String(opt('stages', ALL.join(',')))
  .split(',')
  .filter(Boolean);
for (const s of stages)
  if (!ALL.includes(s)) {
    log(`unknown stage '${s}'; stages: ${ALL.join(', ')}`);
    process.exit(2);
  }
mkdirSync(dir, { recursive: true });
const trace = path.join(dir, `synth-${events}.mpst`);
const cli = path.join(root, 'bin', 'mpstrace.js');

const COMMANDS = {
  synth: () => ['synth', '-o', trace, '--events', String(events), '--seed', '7'],
  info: () => ['info', trace, '--json'],
  analyze: () => ['analyze', trace, '--json', '-o', path.join(dir, 'findings.json')],
  metrics: () => ['metrics', trace, '--json'],
  report: () => ['report', trace, '-o', path.join(dir, 'report.html')],
  chrome: () => ['export', trace, '--format', 'chrome', '-o', path.join(dir, 'trace.json')],
  parquet: () => ['export', trace, '--format', 'parquet', '-o', path.join(dir, 'parquet')],
  arrow: () => ['export', trace, '--format', 'arrow', '-o', path.join(dir, 'arrow')],
};
const OUTPUTS = { analyze: 'findings.json', report: 'report.html', chrome: 'trace.json', parquet: 'parquet', arrow: 'arrow' };

function bytesOf(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((a, f) => a + bytesOf(path.join(p, f)), 0);
}

/** Runs one stage as its own process; GNU time writes "<seconds> <max RSS KB>" to a file. */
function run(stage) {
  const timeFile = path.join(dir, `${stage}.time`);
  const r = spawnSync(TIME, ['-o', timeFile, '-f', '%e %M', process.execPath, cli, ...COMMANDS[stage]()], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const timeLine = existsSync(timeFile)
    ? (readFileSync(timeFile, 'utf8')
        .split('\n')
        .find((l) => /^[\d.]+ \d+$/.test(l)) ?? '')
    : '';
  const [sec, kb] = timeLine.split(' ').map(Number);
  const out = OUTPUTS[stage] ? bytesOf(path.join(dir, OUTPUTS[stage])) : 0;
  const row = {
    stage,
    events,
    seconds: sec ?? NaN,
    peak_rss_mb: Math.round((kb ?? 0) / 1024),
    exit: r.status ?? -1,
    out_mb: (out / 1e6).toFixed(1),
  };
  process.stdout.write(
    `${Object.entries(row)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}\n`,
  );
  // Exit 1 is analyze's "findings at --fail-on" code and is not used here; anything else non-zero is a failure.
  if (r.status !== 0) log(`${stage} exited ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  else if (r.stderr.trim()) log(`${stage}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return row;
}

log(
  `${events} events in ${dir}; ${cpus().length} CPUs, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at start`,
);
const rows = [];
try {
  if (!existsSync(trace)) rows.push(run('synth'));
  for (const s of stages) rows.push(run(s));
} finally {
  if (!keep && !opt('dir')) rmSync(dir, { recursive: true, force: true });
}
const timed = rows.filter((r) => r.stage !== 'synth');
const summary = {
  events,
  max_peak_rss_mb: Math.max(0, ...timed.map((r) => r.peak_rss_mb)),
  goal_rss_mb: 2048,
  load_avg_end: loadavg()[0].toFixed(1),
  failed:
    timed
      .filter((r) => r.exit !== 0)
      .map((r) => r.stage)
      .join(',') || 'none',
};
for (const r of timed) {
  summary[`${r.stage}_s`] = r.seconds;
  summary[`${r.stage}_rss_mb`] = r.peak_rss_mb;
}
process.stdout.write(
  `${Object.entries(summary)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}\n`,
);
