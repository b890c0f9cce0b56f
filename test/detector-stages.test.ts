/**
 * Staged detector queries (issue 17 item 5, memory bounded by design): a
 * query.sql may run as statements that fill temporary tables before its final
 * query, so DuckDB frees one heavy step's hash tables and sorts before the next
 * begins. The split, the parameters each statement gets, and that the tables
 * are gone after the detector ran or failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTrace, type LoadedTrace } from '../src/ingest/load.js';
import { analyzeTraceAll, detectorStages, runDetectorSql } from '../src/analyze/analyzeTrace.js';
import { detectors, type Detector } from '../src/detectors/registry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const trace = path.join(root, 'traces', 'cuda', 'native', 'streams_shared.mpst');

let loaded: LoadedTrace;
beforeAll(async () => {
  loaded = await openTrace(trace, { cache: false, progress: false });
});
afterAll(() => loaded?.close());

async function tempTables(): Promise<string[]> {
  const r = await loaded.connection.runAndReadAll('SELECT table_name FROM duckdb_tables() WHERE temporary ORDER BY 1');
  return r.getRows().map((x) => String(x[0]));
}

function fake(sql: string): Detector {
  const base = detectors().find((d) => d.id === 'incomplete-device-sync')!;
  return { ...base, id: 'fake', sql, thresholds: [{ name: 'syncToleranceUs', unit: 'us', default: 5, sqlParam: 'tolerance_ns', doc: '' }] };
}

describe('detectorStages', () => {
  it('splits at a ; that ends a line, not at one inside a comment', () => {
    const { stages, body } = detectorStages(
      '-- head; with a semicolon;\nCREATE TEMP TABLE _a AS SELECT 1 AS x; \n-- between;\ncreate temporary table _b as\nSELECT 2 AS y;\nSELECT * FROM _a, _b;\n',
    );
    expect(stages.map((s) => s.table)).toEqual(['_a', '_b']);
    expect(stages[0]!.sql).toMatch(/^-- head; with a semicolon;\nCREATE TEMP TABLE _a AS SELECT 1 AS x$/);
    expect(body).toBe('SELECT * FROM _a, _b');
  });

  it('a single query has no stages', () => {
    expect(detectorStages('-- x;\nWITH a AS (SELECT 1)\nSELECT * FROM a;\n')).toEqual({
      stages: [],
      body: '-- x;\nWITH a AS (SELECT 1)\nSELECT * FROM a',
    });
  });

  it('refuses a statement before the final query that is not CREATE TEMP TABLE', () => {
    expect(() => detectorStages('DROP TABLE raw_events;\nSELECT 1')).toThrow(/must be CREATE TEMP TABLE <name> AS/);
  });

  it('the staged detectors are staged', () => {
    for (const id of ['incomplete-device-sync', 'double-owned-slot', 'hang']) {
      expect(detectorStages(detectors().find((d) => d.id === id)!.sql).stages.length, id).toBeGreaterThan(0);
    }
  });
});

describe('running a staged query', () => {
  it('gives each statement its own parameters and drops the tables after the final query', async () => {
    const det = fake(
      "-- $tolerance_ns in a comment is no parameter\nCREATE TEMP TABLE _s1 AS SELECT 7 AS k;\nCREATE TEMP TABLE _s2 AS SELECT k + $tolerance_ns AS v FROM _s1;\nSELECT 'late-completion' AS kind, v AS ts, [] AS tids, [] AS streams, [] AS evidence FROM _s2",
    );
    const rows = await runDetectorSql(loaded.connection, det, undefined, false);
    expect(rows.map((r) => Number(r.ts))).toEqual([7 + 5000]);
    expect(await tempTables()).toEqual([]);
  });

  it('drops the tables when a stage fails, and the failure names the detector', async () => {
    const det = fake("CREATE TEMP TABLE _s1 AS SELECT 1 AS k;\nCREATE TEMP TABLE _s2 AS SELECT error('boom') AS k;\nSELECT * FROM _s2");
    await expect(runDetectorSql(loaded.connection, det)).rejects.toThrow(/detector 'fake' .*boom/);
    expect(await tempTables()).toEqual([]);
  });

  it('a whole analysis leaves no temporary table behind', async () => {
    const a = await analyzeTraceAll(loaded);
    expect(a.failed).toEqual([]);
    expect(a.findings.some((f) => f.rule === 'incomplete-device-sync')).toBe(true);
    expect(await tempTables()).toEqual([]);
  });
});
