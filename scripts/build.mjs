// Build everything a fresh clone needs: the TypeScript CLI (always) and the
// native recorder (only where a C compiler exists; its absence is a warning,
// because analysis works without it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  console.error('build: typescript is not installed; run `npm install` first');
  process.exit(2);
}
const g = run(process.execPath, [path.join(root, 'scripts', 'gen-detectors.mjs')]);
if (g.status !== 0) process.exit(g.status ?? 1);
const t = run(process.execPath, [tsc, '-p', 'tsconfig.json']);
if (t.status !== 0) process.exit(t.status ?? 1);
const d = run(process.execPath, [path.join(root, 'scripts', 'gen-detector-docs.mjs')]);
if (d.status !== 0) process.exit(d.status ?? 1);

if (process.env.MPSTRACE_SKIP_NATIVE === '1') process.exit(0);
const hasCc = spawnSync('sh', ['-c', 'command -v cc && command -v make'], { stdio: 'ignore' }).status === 0;
if (!hasCc) {
  console.error('build: no C compiler or make found; the recorder library was not built (analysis still works)');
  process.exit(0);
}
if (existsSync(path.join(root, 'instrumentation', 'Makefile'))) {
  const m = run('make', ['-s', '-C', 'instrumentation'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (m.status !== 0)
    console.error('build: the recorder library failed to build (see above); `mpstrace record` will not work until it does');
}
