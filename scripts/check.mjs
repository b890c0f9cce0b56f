// The static checks that `npm test` runs before the vitest suite (and
// `npm run check` runs alone): Biome's linter on every TS/JS file and its
// formatter on the paths listed in biome.json (formatter.includes), clang-format
// on the project's C and Objective-C, and the type-check of test/ and viz/ (their
// own tsconfig.json; `npm run build` type-checks src/).
// Each failing check prints what to run to fix it. Exit status: the number of
// failed checks. `--fix` applies the lint fixes Biome calls safe and formats.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * C and Objective-C files whose format clang-format checks. Everything the project
 * writes, less generated headers and the minimal Darwin SDK declarations.
 */
export function cSources() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'build' && e.name !== 'darwin-sdk' && e.name !== 'node_modules') walk(rel);
      } else if (/\.(c|h|m)$/.test(e.name) && !NOT_OURS.has(rel)) out.push(rel);
    }
  };
  for (const d of ['instrumentation', 'bench']) if (existsSync(path.join(root, d))) walk(d);
  return out.sort();
}
/** Written by `npm run gen` from instrumentation/schema/events.json. */
const NOT_OURS = new Set([
  'instrumentation/include/mpstrace_format.h',
  'instrumentation/include/mpstrace.h',
  'instrumentation/runtime/mpst_api.generated.h',
]);

/**
 * The C files whose format is checked: all of cSources() (null). A list here
 * would exempt the rest, as it did until the tree was reformatted in one commit.
 * @type {string[] | null}
 */
export const C_FORMATTED = null;

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status === 0;
const biome = path.join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Each check: a name, what to run to fix it, and the check itself (true = passed). */
export function checks(fix = false) {
  return [
    {
      name: 'biome (lint; format of the paths in biome.json)',
      fixWith: 'npm run check -- --fix (or npx biome check --write FILE)',
      run: () => {
        if (!existsSync(biome)) {
          console.error('check: Biome is not installed (node_modules/@biomejs/biome); run `npm install`');
          return false;
        }
        const args = [biome, ...(fix ? ['check', '--write'] : ['ci']), '--error-on-warnings'];
        return run(process.execPath, process.stdout.isTTY ? args : [...args, '--colors=off']);
      },
    },
    {
      name: 'clang-format (C, Objective-C)',
      fixWith: 'clang-format -i FILE',
      run: () => {
        if (!has('clang-format')) {
          console.error('check: clang-format is not installed; run .ci/setup-system.sh (or apt-get install clang-format)');
          return false;
        }
        const files = C_FORMATTED ?? cSources();
        return run('clang-format', fix ? ['-i', ...files] : ['--dry-run', '--Werror', ...files]);
      },
    },
    {
      name: 'tsc -p test (type-check the tests)',
      fixWith: 'the errors above (npx tsc -p test)',
      run: () => run(process.execPath, [tsc, '-p', 'test']),
    },
    {
      name: 'tsc -p viz (type-check the viewer, checkJs)',
      fixWith: 'the errors above (npx tsc -p viz)',
      run: () => run(process.execPath, [tsc, '-p', 'viz']),
    },
  ];
}

/** Runs every check; returns the names of those that failed. */
export function runChecks(fix = false) {
  const failed = [];
  for (const c of checks(fix)) {
    if (!c.run()) {
      console.error(`check failed: ${c.name}; to fix: ${c.fixWith}`);
      failed.push(c.name);
    }
  }
  return failed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const failed = runChecks(process.argv.includes('--fix'));
  if (failed.length === 0) console.log('check: all passed');
  process.exit(failed.length);
}
