// Recorder-side cost of the per-record check: format 1's folded multiplicative
// hash against format 2's CRC-16 (slicing by 8, tables from the generated C
// header), each inside the same publish step the recorder's mpst_record_end
// does (store ts, compute the check, store word 0 with release), over a mix of
// the record sizes real traces hold. `npm run bench -- record-check [rounds] [records]`.
// Rounds alternate the two variants; the figures are per record, median and
// worst round. Last line: key=value pairs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const rounds = Number(process.argv[2] ?? 15);
const records = Number(process.argv[3] ?? 4_000_000);

const dir = mkdtempSync(path.join(os.tmpdir(), 'mpst-check-'));
try {
  const src = path.join(root, 'bench', 'record-check.c');
  const exe = path.join(dir, 'check');
  execFileSync('cc', ['-std=gnu11', '-O2', '-I', path.join(root, 'instrumentation/include'), '-o', exe, src]);
  const ns = { 1: [], 2: [] };
  for (let r = 0; r < rounds; r++) {
    for (const v of r % 2 ? [2, 1] : [1, 2]) {
      const out = execFileSync(exe, [String(records), String(v)], { encoding: 'utf8' });
      ns[v].push(Number(out.split(' ')[0]));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const worst = (xs) => Math.max(...xs);
  const f = (x) => x.toFixed(2);
  console.log(`record check, ns per record (${rounds} alternating rounds of ${records} records, sizes 3-7 words):`);
  console.log(`  format 1 hash (baseline): median ${f(median(ns[1]))}  worst ${f(worst(ns[1]))}`);
  console.log(`  format 2 CRC-16:          median ${f(median(ns[2]))}  worst ${f(worst(ns[2]))}`);
  console.log(
    `v1_median_ns=${f(median(ns[1]))} v1_worst_ns=${f(worst(ns[1]))} v2_median_ns=${f(median(ns[2]))} v2_worst_ns=${f(worst(ns[2]))} delta_median_ns=${f(median(ns[2]) - median(ns[1]))}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
