// `npm test`: checks the system tools the suite needs (installing them with
// .ci/setup-system.sh where that is possible, else printing the one command
// that does), runs the static checks (scripts/check.mjs: lint, format, type-check
// of test/ and viz/) and the vitest suite, and ends with one plain summary line,
// "vitest: N passed, N failed, N skipped", that any CI log reader understands.
// A test file that fails to run at all, and a failed check, count as failures
// there; every skipped test is listed by name above it.
// Extra arguments go to vitest (e.g. `npm test -- test/schema.test.ts`); such a
// partial run skips the static checks (`npm run check` runs them alone).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChecks } from './check.mjs';
import { torchPython } from './torch-python.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const setup = path.join(root, '.ci', 'setup-system.sh');
const SETUP_COMMAND = `sudo bash ${path.relative(process.cwd(), setup) || setup}`;

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
function hasLibobjc() {
  const r = spawnSync('gcc', ['-print-file-name=libobjc.so'], { encoding: 'utf8' });
  const p = r.status === 0 ? r.stdout.trim() : '';
  return p.includes('/') && existsSync(p);
}
const CHROMIUM = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** What the suite needs from the system, and how each is found (the same tests the suites use). */
function missingTools() {
  const missing = [];
  if (!has('cc') || !has('gcc')) missing.push('gcc');
  if (!has('c++')) missing.push('g++');
  if (!has('make')) missing.push('make');
  if (!has('python3')) missing.push('python3');
  // a CPU torch with its C++ headers (Debian's python3-torch, libtorch-dev) for the real-torch tests
  if (process.platform === 'linux' && !torchPython().python) missing.push('python3-torch');
  if (!has('clang-format')) missing.push('clang-format');
  if (!hasLibobjc()) missing.push('gobjc');
  if (process.platform === 'linux' && !process.env.MPSTRACE_CHROMIUM && !CHROMIUM.some((p) => existsSync(p))) missing.push('chromium');
  return missing;
}

let missing = missingTools();
if (missing.length > 0) {
  const canInstall =
    existsSync('/usr/bin/apt-get') && (process.getuid?.() === 0 || spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0);
  if (canInstall) {
    console.error(`npm test: installing what the suite needs (${missing.join(', ')}) with .ci/setup-system.sh`);
    const [cmd, args] = process.getuid?.() === 0 ? ['bash', [setup]] : ['sudo', ['-n', 'bash', setup]];
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) console.error('npm test: .ci/setup-system.sh failed (see above)');
    missing = missingTools();
  }
  if (missing.length > 0) {
    console.error(
      `npm test: missing system tools: ${missing.join(', ')}. The suite would skip or fail their tests. Install them with:\n\n  ${SETUP_COMMAND}\n`,
    );
    process.stdout.write(`\nvitest: 0 passed, 1 failed, 0 skipped (missing system tools: ${missing.join(', ')})\n`);
    process.exit(1);
  }
}

// Lint, format and type checks first: quick, and a failure is reported in the
// closing line like a failed test, while the suite still runs.
const failedChecks = process.argv.length > 2 ? [] : runChecks();

const dir = mkdtempSync(path.join(tmpdir(), 'mpst-test-'));
const results = path.join(dir, 'results.json');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
let summary = 'vitest: no results were written (see the output above)';
let failed = true;
try {
  const j = JSON.parse(readFileSync(results, 'utf8'));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  // A file that failed to load or to run its hooks has no failed test of its own.
  const brokenFiles = (j.testResults ?? []).filter(
    (t) => t.status === 'failed' && !(t.assertionResults ?? []).some((a) => a.status === 'failed'),
  );
  const skippedNames = (j.testResults ?? []).flatMap((t) =>
    (t.assertionResults ?? [])
      .filter((a) => a.status === 'pending' || a.status === 'skipped' || a.status === 'todo')
      .map((a) => `${path.relative(root, t.name)}: ${a.fullName}`),
  );
  if (skippedNames.length > 0)
    process.stdout.write(`\nskipped (${skippedNames.length}):\n${skippedNames.map((n) => `  ${n}`).join('\n')}\n`);
  for (const t of brokenFiles)
    process.stdout.write(`\nfailed to run: ${path.relative(root, t.name)}: ${(t.message ?? '').split('\n')[0]}\n`);
  for (const c of failedChecks) process.stdout.write(`\nfailed check: ${c} (see above)\n`);
  const nFailed = j.numFailedTests + brokenFiles.length + failedChecks.length;
  failed = nFailed > 0 || r.status !== 0;
  const notes = [
    brokenFiles.length > 0 ? `${brokenFiles.length} test file${brokenFiles.length > 1 ? 's' : ''} failed to run` : '',
    failedChecks.length > 0 ? `${failedChecks.length} check${failedChecks.length > 1 ? 's' : ''} failed` : '',
  ].filter(Boolean);
  summary =
    `vitest: ${j.numPassedTests} passed, ${nFailed} failed, ${skipped} skipped` + (notes.length > 0 ? ` (${notes.join(', ')})` : '');
} catch {
  /* keep the message above */
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`\n${summary}\n`);
process.exit(failed ? r.status || 1 : 0);
