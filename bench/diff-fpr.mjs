// A/A false-positive rate of `diff` on unchanged runs: measures every trace of
// a directory once, then runs the gate on every split into two groups (k vs
// n-k, default k = floor(n/2)) and counts failing verdicts. Needs `npm run build`.
//   npm run bench -- diff-fpr [--dir traces/ci/baseline] [--k 3] [--threshold 5] [--confidence 0.95]
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = (p) => pathToFileURL(path.join(root, 'dist', p)).href;
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const log = (s) => process.stderr.write(`bench diff-fpr: ${s}\n`);

const dir = path.resolve(root, opt('dir', 'traces/ci/baseline'));
if (!existsSync(dir)) {
  log(`${dir} does not exist; pass --dir with a folder of unchanged runs (.mpst)`);
  process.exit(2);
}
const files = readdirSync(dir).filter((f) => f.endsWith('.mpst')).sort().map((f) => path.join(dir, f));
if (files.length < 4) {
  log(`need at least 4 unchanged runs in ${dir}, found ${files.length}`);
  process.exit(2);
}
const { measureTrace } = await import(dist('metrics/measure.js'));
const { aaFalsePositives } = await import(dist('diff/splits.js'));
const runs = [];
for (const f of files) runs.push(await measureTrace(f, {}));
const k = Number(opt('k', String(Math.floor(files.length / 2))));
const threshold = Number(opt('threshold', '5')) / 100;
const confidence = Number(opt('confidence', '0.95'));
const r = aaFalsePositives(runs, k, { threshold, confidence });
log(`${files.length} unchanged runs in ${dir}; ${r.splits} splits of ${k} vs ${files.length - k}`);
for (const [key, n] of Object.entries(r.failingMetrics)) log(`  failing metric ${key}: ${n} split(s)`);
process.stdout.write(`fpr=${r.rate.toFixed(4)} failures=${r.failures} splits=${r.splits} runs=${files.length} k=${k} threshold_pct=${threshold * 100} confidence=${confidence}\n`);
