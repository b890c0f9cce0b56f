// CPU-only cost of the CUDA recorder's hooks, measured against the stand-in
// libcudart (no GPU needed): `npm run bench -- recorder [rounds] [calls]`.
// Runs bench drivers without and with LD_PRELOAD, interleaved, and reports
// medians of the difference. Last line: key=value pairs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const rounds = Number(process.argv[2] ?? 7);
const calls = Number(process.argv[3] ?? 1_000_000);
const build = path.join(root, 'instrumentation', 'build');
const m = spawnSync('make', ['-s', '-C', path.join(root, 'instrumentation'), 'test-build'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (m.status !== 0) {
  console.error('bench/recorder: `make -C instrumentation test-build` failed (needs cc and make)');
  process.exit(1);
}
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpst-bench-'));
const prog = (n) => path.join(build, 'test', n);
const run = (name, args, traced) => {
  const env = { ...process.env, MPSTRACE_CUPTI: '0' };
  if (traced)
    Object.assign(env, {
      LD_PRELOAD: path.join(build, 'libmpstrace_cuda.so'),
      MPSTRACE_OUT: path.join(tmp, `${name}.mpst`),
      MPSTRACE_MAX_MB: '2048',
    });
  const r = spawnSync(prog(name), args, { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  return Object.fromEntries([...r.stdout.matchAll(/(\w+)=([\d.]+)/g)].map((x) => [x[1], Number(x[2])]));
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = { plain: [], traced: [] };
for (let i = 0; i < rounds; i++) {
  rows.plain.push(run('drv_bench', [String(calls)], false));
  rows.traced.push(run('drv_bench', [String(calls)], true));
}
const diff = (k) => median(rows.traced.map((r) => r[k])) - median(rows.plain.map((r) => r[k]));
const noop = median(Array.from({ length: 3 }, () => run('drv_annotate', [], false).ns_per_call));
const stress = median(Array.from({ length: 3 }, () => run('drv_stress', ['64', '100000'], true).seconds));
rmSync(tmp, { recursive: true, force: true });
console.log(`cpu: ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}; ${rounds} interleaved rounds of ${calls} calls`);
console.log(
  `ns_per_call_event=${diff('ns_per_call_event').toFixed(1)} ns_per_call_launch=${diff('ns_per_call_launch').toFixed(1)} ` +
    `ns_annotation_noop=${noop.toFixed(2)} stress_64x100k_records_per_s=${Math.round(6_400_000 / stress)}`,
);
