// `npm start`: build everything, then run the main job on a bundled real trace
// of a buggy stream pool (recorded on an H200, traces/README.md says how):
// info, analyze (which finds its bugs), and the HTML report. Prints where the
// report is. The commands are printed as a user would type them (`npx mpstrace`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const trace = process.env.MPSTRACE_START_TRACE ?? path.join('traces', 'cuda', 'pool', 'stream_pool_buggy.mpst');
const outDir = path.join(root, 'out');
const cli = path.join(root, 'bin', 'mpstrace.js');

function step(title, args, { allowFail = false } = {}) {
  process.stderr.write(`\n== ${title}: npx mpstrace ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0 && !(allowFail && r.status === 1)) {
    process.stderr.write(`npm start: \`npx mpstrace ${args.join(' ')}\` failed with exit code ${r.status}\n`);
    process.exit(r.status ?? 1);
  }
}

const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
if (!existsSync(path.join(root, trace))) {
  process.stderr.write(`npm start: bundled trace ${trace} is missing; this checkout is incomplete\n`);
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const report = path.join('out', 'report.html');
step('trace summary', ['info', trace]);
// analyze exits 1 only under --fail-on; findings are the point of the demo.
step('findings (a run of a stream pool with the bugs the detectors look for)', ['analyze', trace], { allowFail: true });
step('HTML report', ['report', trace, '-o', report]);
process.stdout.write(
  `\nReport written to ${path.join(root, report)}: open it in a browser (it works offline);\n` +
    'click a finding on the right to zoom to its evidence. Next: `npx mpstrace --help`, or record your own run with\n' +
    '`npx mpstrace record -o run.mpst -- python3 your_script.py` (see README.md).\n',
);
