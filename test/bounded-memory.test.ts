// Memory bounded by design (issue 17 item 5): every database has a memory limit and a
// private spill directory that is gone after close; a large trace is decoded into a
// compressed database file there instead of memory, with the same answers; the Arrow
// export streams record batches. Peak-memory figures live in bench/bigtrace.mjs.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { ingestMode, openTrace, loadTarget, saveTrace, type LoadedTrace } from '../src/ingest/load.js';
import { summarize } from '../src/ingest/summary.js';
import { DEFAULT_MEMORY_LIMIT, memoryLimit, memoryLimitBytes } from '../src/ingest/resources.js';
import { ARROW_BATCH_ROWS, arrowExporter } from '../src/export/arrow.js';
import { synthesize } from '../src/synth/generate.js';
import { analyzeTrace } from '../src/analyze/analyzeTrace.js';
import { UserError } from '../src/util/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mpst-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function synthTrace(events: number): string {
  const file = path.join(dir, `s${events}.mpst`);
  if (!existsSync(file)) synthesize({ events, seed: 3 }).writer.writeFile(file);
  return file;
}

async function withEnv<T>(vars: Record<string, string | undefined>, f: () => Promise<T>): Promise<T> {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(old))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

async function setting(conn: { runAndReadAll(sql: string): Promise<{ getRows(): unknown[][] }> }, name: string): Promise<string> {
  return String((await conn.runAndReadAll(`SELECT current_setting('${name}')`)).getRows()[0]![0]);
}

describe('DuckDB memory limit and spill directory', () => {
  it('sets memory_limit and a private temp_directory under MPSTRACE_TMPDIR, removed on close', async () => {
    const spillRoot = mkdtempSync(path.join(dir, 'spill-'));
    const t = await withEnv({ MPSTRACE_TMPDIR: spillRoot, MPSTRACE_MEMORY_LIMIT: '256MB' }, () => openTrace(synthTrace(5000)));
    const temp = await setting(t.connection, 'temp_directory');
    const limit = await setting(t.connection, 'memory_limit');
    t.close();
    expect(path.dirname(temp)).toBe(spillRoot);
    expect(path.basename(temp)).toMatch(/^mpstrace-spill-/);
    // DuckDB shows the limit in its own units (256 MB = 244.1 MiB)
    expect(limit).toMatch(/^2(44|56)/);
    expect(readdirSync(spillRoot)).toEqual([]);
  });

  it('defaults to 1GB and refuses a limit that is not a size with a clear message', () => {
    expect(memoryLimit({})).toBe(DEFAULT_MEMORY_LIMIT);
    expect(memoryLimit({ MPSTRACE_MEMORY_LIMIT: ' 2GB ' })).toBe('2GB');
    expect(() => memoryLimit({ MPSTRACE_MEMORY_LIMIT: 'lots' })).toThrow(UserError);
    expect(() => memoryLimit({ MPSTRACE_MEMORY_LIMIT: 'lots' })).toThrow(/MPSTRACE_MEMORY_LIMIT='lots' is not a size; .*512MB/);
    expect(memoryLimitBytes('1GB')).toBe(1e9);
    expect(memoryLimitBytes('512MiB')).toBe(512 * 1024 * 1024);
  });

  it('decodes a trace too large for a quarter of the limit into a database file, small ones into memory', () => {
    expect(loadTarget(10e6, {})).toBe(':memory:');
    const big = loadTarget(300e6, {});
    expect(typeof big).toBe('function');
    expect((big as (d: string) => string)('/x')).toBe('/x/trace.duckdb');
    // the limit moves the threshold; MPSTRACE_DB overrides it
    expect(loadTarget(300e6, { MPSTRACE_MEMORY_LIMIT: '8GB' })).toBe(':memory:');
    expect(loadTarget(300e6, { MPSTRACE_DB: 'memory' })).toBe(':memory:');
    expect(typeof loadTarget(1000, { MPSTRACE_DB: 'file' })).toBe('function');
  });

  it('gives the same summary and findings from a database file as from memory', async () => {
    const trace = synthTrace(20_000);
    const run = async (mode: string) =>
      withEnv({ MPSTRACE_DB: mode }, async () => {
        const t = await openTrace(trace);
        try {
          const file = (
            await t.connection.runAndReadAll('SELECT path FROM duckdb_databases() WHERE database_name = current_database()')
          ).getRows()[0]![0];
          const s = await summarize(t);
          const findings = await analyzeTrace(t);
          return { file, summary: { ...s, trace: '' }, findings: findings.map((f) => [f.rule, f.kind, f.count, f.ts_ns]) };
        } finally {
          t.close();
        }
      });
    const mem = await run('memory');
    const file = await run('file');
    expect(mem.file).toBeNull();
    expect(String(file.file)).toMatch(/mpstrace-spill-.*trace\.duckdb$/);
    expect(file.summary).toEqual(mem.summary);
    expect(file.findings).toEqual(mem.findings);
    expect(mem.findings.length).toBeGreaterThan(0);
  });
});

/**
 * Expects `loaded` (saved as Parquet) to hold exactly the tables an in-memory appender
 * load of `trace` makes: the same rows in the same order (loadMs is the one value that
 * differs between two loads).
 */
async function expectSameTablesAsMemoryLoad(trace: string, loaded: LoadedTrace, events: number): Promise<void> {
  const save = mkdtempSync(path.join(dir, 'save-'));
  try {
    await saveTrace(loaded, save);
  } finally {
    loaded.close();
  }
  const mem = await withEnv({ MPSTRACE_DB: 'memory', MPSTRACE_INGEST: 'appender' }, () => openTrace(trace));
  try {
    const one = async (sql: string) => String((await mem.connection.runAndReadAll(sql)).getRows()[0]![0]);
    const sel = (from: string) => `SELECT * REPLACE (regexp_replace(value, '"loadMs":[0-9]+', '') AS value) FROM ${from}`;
    const tables: [string, (from: string) => string][] = [
      ['raw_events', (f) => `SELECT * FROM ${f}`],
      ['strings', (f) => `SELECT * FROM ${f}`],
      ['trace_meta', sel],
      ['trace_warnings', (f) => `SELECT * FROM ${f}`],
    ];
    for (const [t, q] of tables) {
      const a = q(t);
      const b = q(`read_parquet('${path.join(save, `${t}.parquet`)}')`);
      const order = (x: string) => `SELECT bit_xor(hash(rn, r)) FROM (SELECT row_number() OVER () AS rn, r FROM (${x}) r)`;
      expect(await one(`SELECT count(*) FROM (${b})`), t).toBe(await one(`SELECT count(*) FROM (${a})`));
      expect(await one(`SELECT count(*) FROM (${a} EXCEPT ALL ${b})`), t).toBe('0');
      expect(await one(`SELECT count(*) FROM (${b} EXCEPT ALL ${a})`), t).toBe('0');
      expect(await one(order(b)), t).toBe(await one(order(a)));
    }
    expect(await one('SELECT count(*) FROM raw_events')).toBe(String(events));
  } finally {
    mem.close();
  }
}

describe('loading into a database file', () => {
  // The file target starts the file's write-back (fdatasync) every writebackRows records
  // while appending; the tables must come out exactly as an in-memory load makes them:
  // the same rows in the same order.
  it('makes the same tables, row for row and in order, as a load into memory', async () => {
    const trace = synthTrace(150_000);
    const file = await withEnv({ MPSTRACE_DB: 'file', MPSTRACE_INGEST: 'appender' }, () =>
      openTrace(trace, { batchRows: 8192, writebackRows: 20_000 }),
    );
    expect(await setting(file.connection, 'threads')).not.toBe('1');
    await expectSameTablesAsMemoryLoad(trace, file, 150_000);
  });
});

describe('loading through Parquet segments', () => {
  // MPSTRACE_INGEST=parquet: the decoded rows go through Parquet segment files that DuckDB
  // inserts on all its threads; with one row group a segment, 150,000 rows are two segments.
  for (const db of ['file', 'memory'] as const) {
    it(`makes the same tables, row for row and in order, as the appender (${db})`, async () => {
      const trace = synthTrace(150_000);
      const root = mkdtempSync(path.join(dir, 'tmp-'));
      const t = await withEnv({ MPSTRACE_DB: db, MPSTRACE_INGEST: 'parquet', MPSTRACE_TMPDIR: root }, () =>
        openTrace(trace, { segmentRowGroups: 1, writebackRows: 20_000 }),
      );
      // the segments are gone once loaded; the spill directory goes on close
      expect(readdirSync(root).filter((f) => !f.startsWith('mpstrace-spill-'))).toEqual([]);
      expect(await setting(t.connection, 'threads')).not.toBe('1');
      await expectSameTablesAsMemoryLoad(trace, t, 150_000);
      expect(readdirSync(root)).toEqual([]);
    });
  }

  it('is the default for traces that load into a database file, the appender for the rest', () => {
    expect(ingestMode(300e6, () => 'x', {})).toBe('parquet');
    expect(ingestMode(300e6, ':memory:', {})).toBe('appender');
    expect(ingestMode(1e6, () => 'x', {})).toBe('appender');
    expect(ingestMode(1e6, () => 'x', { MPSTRACE_INGEST: 'parquet' })).toBe('parquet');
    expect(ingestMode(300e6, () => 'x', { MPSTRACE_INGEST: 'appender' })).toBe('appender');
  });
});

describe('Arrow export streams', () => {
  it('writes a table larger than one record batch as several batches that read back whole', async () => {
    const trace = synthTrace(ARROW_BATCH_ROWS * 2 + 1000);
    const out = path.join(dir, 'arrow');
    await arrowExporter([trace], out);
    const events = tableFromIPC(readFileSync(path.join(out, 'events.arrow')));
    const t = await openTrace(trace);
    const [[n, maxId]] = (await t.connection.runAndReadAll('SELECT count(*), max(id) FROM events')).getRows() as [[bigint, bigint]];
    t.close();
    expect(events.numRows).toBe(Number(n));
    expect(events.batches.length).toBeGreaterThanOrEqual(3);
    expect(events.getChild('id')!.get(events.numRows - 1)).toBe(maxId);
  });
});
