// `npm test`: runs the vitest suite and ends with one plain summary line,
// "vitest: N passed, N failed, N skipped", that any CI log reader understands.
// Extra arguments go to vitest (e.g. `npm test -- test/schema.test.ts`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dir = mkdtempSync(path.join(tmpdir(), 'mpst-test-'));
const results = path.join(dir, 'results.json');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
let summary = 'vitest: no results were written (see the output above)';
try {
  const j = JSON.parse(readFileSync(results, 'utf8'));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  summary = `vitest: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${skipped} skipped`;
} catch { /* keep the message above */ }
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`\n${summary}\n`);
process.exit(r.status ?? 1);
