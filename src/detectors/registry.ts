/**
 * Discovers detectors from their folders: every `src/detectors/<id>/` with a
 * `query.sql` and an `index` module is a rule. Adding a detector adds a folder
 * and touches no other file. SQL is read from the package's `src/` at run time
 * (the package ships src/), so tsc need not copy it.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DetectorDef } from './defineDetector.js';

export interface Detector extends DetectorDef {
  /** Text of query.sql. */
  sql: string;
  /** Folder holding query.sql and README.md. */
  dir: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** Package root: this module lives in src/detectors (tests) or dist/detectors (CLI). */
export const PACKAGE_ROOT = path.resolve(here, '..', '..');
export const DETECTORS_SRC = path.join(PACKAGE_ROOT, 'src', 'detectors');
// Under vitest this module runs from src/*.ts; from the build it is dist/*.js.
const moduleExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

let cache: Promise<Detector[]> | undefined;

/** All detectors, sorted by id. Throws when a folder is incomplete or misnamed. */
export function loadDetectors(): Promise<Detector[]> {
  cache ??= discover();
  return cache;
}

async function discover(): Promise<Detector[]> {
  const ids = readdirSync(DETECTORS_SRC, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(DETECTORS_SRC, d.name, 'query.sql')))
    .map((d) => d.name)
    .sort();
  const out: Detector[] = [];
  for (const id of ids) {
    const modPath = path.join(here, id, `index${moduleExt}`);
    if (!existsSync(modPath)) {
      throw new Error(`detector '${id}': ${modPath} is missing; run \`npm run build\``);
    }
    const mod = (await import(pathToFileURL(modPath).href)) as { default?: DetectorDef };
    const def = mod.default;
    if (!def || def.id !== id) {
      throw new Error(`detector folder '${id}' must default-export defineDetector({ id: '${id}', ... })`);
    }
    const dir = path.join(DETECTORS_SRC, id);
    out.push({ ...def, sql: readFileSync(path.join(dir, 'query.sql'), 'utf8'), dir });
  }
  return out;
}
