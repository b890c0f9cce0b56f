/**
 * The detectors: every `src/detectors/<id>/` with a `query.sql` and an `index`
 * module is a rule. Adding a detector adds a folder and touches no other
 * hand-written file: `npm run build` regenerates all.generated.ts, which imports
 * each folder's index statically. SQL is read from the package's `src/` (the
 * package ships src/), so tsc need not copy it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindSchema } from '../format/bindSchema.js';
import { RULE_MODULES } from './all.generated.js';
import type { DetectorDef } from './defineDetector.js';

export interface Detector extends DetectorDef {
  /** Text of query.sql, schema placeholders filled in. */
  sql: string;
  /** Folder holding query.sql and README.md. */
  dir: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** Package root: this module lives in src/detectors (tests) or dist/detectors (CLI). */
export const PACKAGE_ROOT = path.resolve(here, '..', '..');
export const DETECTORS_SRC = path.join(PACKAGE_ROOT, 'src', 'detectors');

let cache: Detector[] | undefined;

/**
 * All detectors, sorted by id, read once. Throws when a folder is incomplete,
 * misnamed, or newer than the generated index (run `npm run build`).
 */
export function detectors(): Detector[] {
  cache ??= discover();
  return cache;
}

/** The same list, for callers written against the former asynchronous discovery. */
export async function loadDetectors(): Promise<Detector[]> {
  return detectors();
}

function discover(): Detector[] {
  const folders = readdirSync(DETECTORS_SRC, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(DETECTORS_SRC, d.name, 'query.sql')))
    .map((d) => d.name)
    .sort();
  const indexed = RULE_MODULES.map(([id]) => id);
  if (folders.join(',') !== indexed.join(',')) {
    throw new Error(
      `detector folders (${folders.join(', ')}) differ from src/detectors/all.generated.ts (${indexed.join(', ')}); run \`npm run build\``,
    );
  }
  return RULE_MODULES.map(([id, def]) => {
    if (!def || def.id !== id) throw new Error(`detector folder '${id}' must default-export defineDetector({ id: '${id}', ... })`);
    const dir = path.join(DETECTORS_SRC, id);
    const sqlPath = path.join(dir, 'query.sql');
    return { ...def, sql: bindSchema(readFileSync(sqlPath, 'utf8'), sqlPath), dir };
  });
}
