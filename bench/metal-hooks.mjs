// Cost of one hooked Metal message in the Metal recorder's hook engine, on
// Linux with the GNU Objective-C runtime and the stand-in classes (not Metal:
// the figures bound the recorder's own overhead, not Apple's runtime).
// Usage: npm run bench -- metal-hooks [calls]. Last line: key=value pairs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const calls = Number(process.argv[2] ?? 200000);
if (!Number.isInteger(calls) || calls <= 0) {
  console.error('metal-hooks: calls must be a positive integer');
  process.exit(2);
}
execFileSync('make', ['-s', '-C', path.join(root, 'instrumentation', 'metal'), 'test-runtime'], { stdio: ['ignore', 'ignore', 'inherit'] });
const dir = mkdtempSync(path.join(tmpdir(), 'mpst-metal-bench-'));
try {
  const out = execFileSync(path.join(root, 'instrumentation', 'build', 'metal-test', 'test_hooks_runtime'), ['--bench', String(calls)], {
    encoding: 'utf8',
    env: { ...process.env, MPSTRACE_OUT: path.join(dir, 'bench.mpst') },
  });
  const line = out.trim().split('\n').pop();
  console.log('recorder: real portable runtime, one event_record per hooked call written to the trace');
  console.log(line);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
