/**
 * Diff tests for the detectors (Perfetto-style): each fixture trace of
 * `src/detectors/<rule>/cases.ts` runs through its rule, and the findings are
 * compared with the committed `src/detectors/<rule>/fixtures/<case>.expected.json`. Run with
 * UPDATE_EXPECTED=1 to rewrite the expected files after an intended change,
 * then review the diff. DUMP_FIXTURES=<dir> keeps the fixture traces there.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTrace, type LoadedTrace } from '../src/ingest/load.js';
import { analyzeTrace } from '../src/analyze/analyzeTrace.js';
import { loadDetectors } from '../src/detectors/registry.js';
import { CASES, expectedFile, type DetectorCase } from './fixtures/detectors/cases.js';

const UPDATE = process.env.UPDATE_EXPECTED === '1';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mpst-det-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function load(c: DetectorCase): Promise<LoadedTrace> {
  // DUMP_FIXTURES=<dir> keeps the traces for a look with `mpstrace analyze`.
  const file = path.join(process.env.DUMP_FIXTURES ?? dir, `${c.rule}-${c.name}.mpst`);
  c.build().writeFile(file);
  return openTrace(file, { cache: false, progress: false });
}

function compareExpected(c: DetectorCase, actual: unknown): void {
  const file = expectedFile(c);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) throw new Error(`${file} is missing; run UPDATE_EXPECTED=1 npx vitest run test/detectors-fixtures.test.ts and review it`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

describe('detector fixtures', () => {
  test('every rule has a positive and a negative fixture', async () => {
    const ids = (await loadDetectors()).map((d) => d.id);
    for (const id of ids) {
      expect(
        CASES.some((c) => c.rule === id && c.expectKinds.length > 0),
        `${id} positive`,
      ).toBe(true);
      if (id !== 'context')
        expect(
          CASES.some((c) => c.rule === id && c.expectKinds.length === 0),
          `${id} negative`,
        ).toBe(true);
    }
  });

  for (const c of CASES) {
    test(`${c.rule}/${c.name}`, async () => {
      const loaded = await load(c);
      try {
        const findings = await analyzeTrace(loaded, { rules: [c.rule] });
        expect(findings.every((f) => f.rule === c.rule)).toBe(true);
        expect([...new Set(findings.map((f) => f.kind))].sort()).toEqual([...c.expectKinds].sort());
        compareExpected(c, findings);
        if (c.expectKinds.length === 0) {
          // A clean trace: no rule at all may report a problem on it.
          const all = await analyzeTrace(loaded);
          expect(all.filter((f) => f.severity !== 'info').map((f) => `${f.rule}/${f.kind}: ${f.message}`)).toEqual([]);
        }
      } finally {
        loaded.close();
      }
    });
  }
});
