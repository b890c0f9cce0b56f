// Assembles README.md from docs/readme/NN-*.md (sorted by name), so each
// part of the project documents itself in its own file. `--check` exits 1
// when README.md is out of date (test/readme.test.ts runs it).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dir = path.join(root, 'docs', 'readme');
const parts = readdirSync(dir)
  .filter((f) => /^\d\d-.*\.md$/.test(f))
  .sort();
const text = parts.map((f) => readFileSync(path.join(dir, f), 'utf8').trim() + '\n').join('\n');
const out = path.join(root, 'README.md');
if (process.argv.includes('--check')) {
  let old = '';
  try {
    old = readFileSync(out, 'utf8');
  } catch {}
  if (old !== text) {
    console.error('README.md is stale: run `node scripts/readme.mjs`');
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
}
