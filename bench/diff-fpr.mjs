// A/A false-positive rate of `diff` on unchanged runs: measures every trace of
// a directory once, then runs the gate on every split into two groups (k vs
// n-k, default k = floor(n/2)) and counts failing verdicts. Needs `npm run build`.
// --sample N draws N seeded pairs of disjoint groups of k runs instead (k vs k).
//   npm run bench -- diff-fpr [--dir traces/cuda/gate-aa] [--k 3] [--sample N] [--threshold 5] [--confidence 0.95]
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { benchSetup } from './lib/common.mjs';

const { root, dist, opt, log } = benchSetup('diff-fpr');

const dirs = opt('dir', 'traces/cuda/gate-aa')
  .split(',')
  .map((d) => path.resolve(root, d));
const dir = dirs.join(', ');
for (const d of dirs) {
  if (!existsSync(d)) {
    log(`${d} does not exist; pass --dir with folder(s) of unchanged runs (.mpst), comma-separated`);
    process.exit(2);
  }
}
const only = opt('match', '');
const files = dirs.flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.mpst') && f.includes(only))
    .sort()
    .map((f) => path.join(d, f)),
);
if (files.length < 4) {
  log(`need at least 4 unchanged runs in ${dir}, found ${files.length}`);
  process.exit(2);
}
const { measureTrace } = await import(dist('metrics/measure.js'));
const { aaFalsePositives, aaOnPairs, sampledPairs } = await import(dist('diff/splits.js'));
const runs = [];
for (const f of files) runs.push(await measureTrace(f, {}));
const k = Number(opt('k', String(Math.floor(files.length / 2))));
const threshold = Number(opt('threshold', '5')) / 100;
const confidence = Number(opt('confidence', '0.95'));
const sample = Number(opt('sample', '0'));
const r =
  sample > 0
    ? aaOnPairs(runs, sampledPairs(runs.length, k, sample, 1), { threshold, confidence })
    : aaFalsePositives(runs, k, { threshold, confidence });
log(
  `${files.length} unchanged runs in ${dir}; ${r.splits} ${sample > 0 ? `sampled pairs of ${k} vs ${k}` : `splits of ${k} vs ${files.length - k}`}`,
);
for (const [key, n] of Object.entries(r.failingMetrics)) log(`  failing metric ${key}: ${n} split(s)`);
process.stdout.write(
  `fpr=${r.rate.toFixed(4)} failures=${r.failures} splits=${r.splits} runs=${files.length} k=${k} sampled=${sample > 0} threshold_pct=${threshold * 100} confidence=${confidence}\n`,
);
