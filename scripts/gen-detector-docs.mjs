// Writes the detectors' threshold-option table into docs/readme/40-detectors.md
// (between the markers of src/detectors/optionTable.ts) from the compiled
// registry, then reassembles README.md. Run by `npm run build` after tsc, so a
// new or changed threshold reaches the README with no hand edit;
// test/detectors-registry.test.ts fails when the table is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const doc = path.join(root, 'docs', 'readme', '40-detectors.md');
const { detectors } = await import(path.join(root, 'dist', 'detectors', 'registry.js'));
const { thresholdOptionTable, withOptionTable } = await import(path.join(root, 'dist', 'detectors', 'optionTable.js'));

const old = readFileSync(doc, 'utf8');
const text = withOptionTable(old, thresholdOptionTable(detectors()));
if (text !== old) {
  writeFileSync(doc, text);
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'readme.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.error('build: wrote the detector threshold table in docs/readme/40-detectors.md (and README.md)');
}
