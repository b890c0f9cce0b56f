import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRIC_CATALOG } from '../src/metrics/catalog.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('metric catalog documentation', () => {
  it('docs/metrics-schema.md lists every compared metric with its unit and direction', () => {
    const doc = readFileSync(path.join(root, 'docs/metrics-schema.md'), 'utf8');
    for (const d of METRIC_CATALOG) {
      expect(doc, d.key).toContain(`| \`${d.key}\` | ${d.unit} | ${d.direction} |`);
    }
    // And no documented row that the catalog does not have.
    const rows = [...doc.matchAll(/^\| `([^`]+)` \| (ns|pct|count|ratio|per_s) \| /gm)].map((m) => m[1]);
    expect(rows.sort()).toEqual(METRIC_CATALOG.map((d) => d.key).sort());
  });
});
