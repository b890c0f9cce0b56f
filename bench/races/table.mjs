// Analysis half of the race side-by-side (bench/races/device.sh is the GPU
// half). Reads the device run's results.tsv and traces, runs mpstrace's
// cross-stream-race on each trace, and prints one markdown table:
// scenario | truth | CSAN verdict | mpstrace verdict | step time plain / CSAN / mpstrace.
// `--write` also puts the table into docs/readme/45-races.md between its
// <!-- races-table --> markers (then run `node scripts/readme.mjs`).
// Last line key=value. Needs `npm run build`.
//   node bench/races/table.mjs [--dir traces/cuda/races] [--write]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchSetup } from '../lib/common.mjs';

const { root, dist, args, opt, log } = benchSetup('races', { needs: 'analyze/analyzeTrace.js' });
const { openTrace } = await import(dist('ingest/load.js'));
const { analyzeTrace } = await import(dist('analyze/analyzeTrace.js'));

const dir = path.resolve(root, opt('dir', 'traces/cuda/races'));
const tsv = path.join(dir, 'results.tsv');
if (!existsSync(tsv)) {
  log(`${tsv} is missing: run bench/races/device.sh on the GPU machine and unpack its output there`);
  process.exit(2);
}
const [head, ...lines] = readFileSync(tsv, 'utf8').trim().split('\n');
const cols = head.split('\t');
const rows = lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
const get = (sc, variant, tool) => rows.find((r) => r.scenario === sc && r.variant === variant && r.tool === tool);

/** What CSAN said: it raises at the first race, so a racy run dies there. */
function csanVerdict(r) {
  if (!r) return 'not run';
  if (Number(r.csan_reported) > 0) return 'race reported';
  if (r.rc !== '0') return `no report, exit ${r.rc}`;
  return 'silent';
}

async function mpstVerdict(sc, variant) {
  // device.sh writes traces/<name>.mpst; committed under traces/cuda/races/<name>.mpst
  const file =
    [path.join(dir, `${sc}_${variant}.mpst`), path.join(dir, 'traces', `${sc}_${variant}.mpst`)].find((f) => existsSync(f)) ?? '';
  if (!file) return { text: 'no trace', races: 0, accesses: 0 };
  const loaded = await openTrace(file, { cache: false, progress: false });
  try {
    const acc = await loaded.connection.runAndReadAll('SELECT count(*) AS n FROM ev_tensor_access');
    const accesses = Number(acc.getRowObjectsJS()[0].n);
    const t0 = performance.now();
    const fs = await analyzeTrace(loaded, { rules: ['cross-stream-race'] });
    const ms = performance.now() - t0;
    const races = fs.reduce((n, f) => n + f.count, 0);
    if (races === 0) return { text: accesses === 0 ? 'silent (no tensor_access records)' : 'silent', races, accesses, ms };
    const kinds = [...new Set(fs.map((f) => f.kind))].join(', ');
    const f = fs[0];
    return { text: `${races} race${races > 1 ? 's' : ''} (${kinds}; ${f.details.first_at} / ${f.details.second_at})`, races, accesses, ms };
  } finally {
    loaded.close();
  }
}

const fmt = (v) => (v && v !== '-' ? `${Number(v).toFixed(2)} ms` : '–');
const ratio = (a, b) => (a && b && a !== '-' && b !== '-' ? ` (${(Number(a) / Number(b)).toFixed(1)}×)` : '');
const scenarios = [...new Set(rows.map((r) => r.scenario))];
const out = [
  '| scenario | truth | CSAN verdict | mpstrace verdict | step plain | step under CSAN | step under mpstrace (torch full) |',
  '|---|---|---|---|---|---|---|',
];
let agree = 0,
  csanRight = 0,
  mpstRight = 0,
  total = 0;
for (const sc of scenarios) {
  for (const variant of ['buggy', 'fixed']) {
    const plain = get(sc, variant, 'plain');
    const csan = get(sc, variant, 'csan');
    const mp = get(sc, variant, 'mpstrace');
    if (!plain && !csan && !mp) continue;
    const truth = variant === 'buggy' ? 'race' : 'safe';
    const cv = csanVerdict(csan);
    const mv = await mpstVerdict(sc, variant);
    total++;
    const csanSays = cv === 'race reported';
    const mpSays = mv.races > 0;
    if (csanSays === (truth === 'race')) csanRight++;
    if (mpSays === (truth === 'race')) mpstRight++;
    if (csanSays === mpSays) agree++;
    const wrong = plain && plain.wrong !== '-' && Number(plain.wrong) > 0 ? ` (${plain.wrong} steps computed a wrong sum)` : '';
    out.push(
      `| \`${sc}\`${variant === 'fixed' ? ' --fixed' : ''} | ${truth}${wrong} | ${cv} | ${mv.text} | ${fmt(plain?.step_ms)} | ${csan?.step_ms && csan.step_ms !== '-' ? fmt(csan.step_ms) + ratio(csan.step_ms, plain?.step_ms) : 'raised at the first race'} | ${fmt(mp?.step_ms)}${ratio(mp?.step_ms, plain?.step_ms)} |`,
    );
  }
}
const table = out.join('\n');
console.log(table);
if (args.includes('--write')) {
  const part = path.join(root, 'docs', 'readme', '45-races.md');
  const text = readFileSync(part, 'utf8');
  const re = /(<!-- races-table -->\n)[\s\S]*?(\n<!-- \/races-table -->)/;
  if (!re.test(text)) {
    log(`${part} has no <!-- races-table --> markers`);
    process.exit(2);
  }
  writeFileSync(part, text.replace(re, `$1${table}$2`));
  log(`wrote the table into ${path.relative(root, part)}`);
}
console.log(`runs=${total} csan_correct=${csanRight} mpstrace_correct=${mpstRight} agree=${agree}`);
