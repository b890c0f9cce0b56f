// The layering of src/ (docs/readme: format -> ingest -> analysis -> outputs ->
// commands), checked on the import graph: a module imports only its own layer
// or lower ones, directories of one layer do not import each other in a circle,
// and nothing is imported by a computed path (import(...) of a string).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Top-level entry of src/ -> layer. `util` and `version` serve every layer. */
const LAYER: Record<string, number> = {
  util: 0,
  version: 0,
  format: 1,
  schema: 1,
  ingest: 2,
  synth: 2,
  record: 2,
  symbols: 2,
  detectors: 3,
  analyze: 3,
  metrics: 3,
  diff: 3,
  output: 4,
  report: 4,
  export: 4,
  commands: 5,
  cli: 5,
};
const NAMES = ['shared', 'format', 'ingest', 'analysis', 'outputs', 'commands'];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const top = (file: string) => path.relative(src, file).split(path.sep)[0]!.replace(/\.ts$/, '');

interface Edge {
  from: string;
  to: string;
}
const edges: Edge[] = [];
const dynamic: string[] = [];
for (const f of walk(src)) {
  const text = readFileSync(f, 'utf8');
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
    edges.push({ from: f, to: path.resolve(path.dirname(f), m[1]!).replace(/\.js$/, '.ts') });
  }
  for (const m of text.matchAll(/\bimport\(\s*([^)]*)\)/g)) {
    if (!/^'node:/.test(m[1]!)) dynamic.push(`${path.relative(src, f)}: import(${m[1]})`);
  }
}

describe('src/ layers', () => {
  it('every top-level entry of src/ has a layer', () => {
    const entries = readdirSync(src).map((e) => e.replace(/\.ts$/, ''));
    expect(entries.filter((e) => LAYER[e] === undefined)).toEqual([]);
    expect(edges.length).toBeGreaterThan(100);
  });

  it('no module imports a higher layer', () => {
    const up = edges
      .filter((e) => LAYER[top(e.to)]! > LAYER[top(e.from)]!)
      .map(
        (e) =>
          `${path.relative(src, e.from)} (${NAMES[LAYER[top(e.from)]!]}) imports ${path.relative(src, e.to)} (${NAMES[LAYER[top(e.to)]!]})`,
      );
    expect(up).toEqual([]);
  });

  it('directories do not import each other in a circle', () => {
    const dirs = new Map<string, Set<string>>();
    for (const e of edges) {
      const a = top(e.from);
      const b = top(e.to);
      if (a !== b) (dirs.get(a) ?? dirs.set(a, new Set()).get(a)!).add(b);
    }
    const cycles: string[] = [];
    for (const [a, outs] of dirs) for (const b of outs) if (dirs.get(b)?.has(a) && a < b) cycles.push(`${a} <-> ${b}`);
    expect(cycles).toEqual([]);
  });

  it('imports only static paths (no import() of a string or computed path)', () => {
    expect(dynamic).toEqual([]);
  });
});
