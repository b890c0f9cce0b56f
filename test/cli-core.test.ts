import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'mpst-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { code: number; out: string; err: string } {
  return cliEnv({}, ...args);
}

function cliEnv(env: Record<string, string>, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mpstrace.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('mpstrace synth / info / sql', () => {
  const trace = path.join(dir, 's.mpst');

  it('synth is deterministic and flags the trace synthetic', () => {
    expect(cli('synth', '-o', trace, '--events', '5000', '--seed', '9').code).toBe(0);
    const again = path.join(dir, 's2.mpst');
    const other = path.join(dir, 's3.mpst');
    expect(cli('synth', '-o', again, '--events', '5000', '--seed', '9').code).toBe(0);
    expect(cli('synth', '-o', other, '--events', '5000', '--seed', '10').code).toBe(0);
    expect(readFileSync(trace).equals(readFileSync(again))).toBe(true);
    expect(readFileSync(trace).equals(readFileSync(other))).toBe(false);
    expect(readFileSync(trace).readUInt32LE(20) & 1).toBe(1);
  });

  it('info --json reports counts, kinds, span, backend and the synthetic warning', () => {
    const r = cli('info', trace, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.events).toBe(5000);
    expect(Object.values(j.by_kind as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(5000);
    expect(j.by_kind.submit).toBeGreaterThan(1000);
    expect(j.threads).toBe(6);
    expect(j.streams).toBe(4);
    expect(j.span_ns).toBeGreaterThan(0);
    expect(j).toMatchObject({
      backend: 'synthetic',
      synthetic: true,
      format_version: '2.0',
      recorder: expect.stringMatching(/^mpstrace-synth /),
    });
    expect(j.coverage).toEqual({ cupti_completions: true, driver_api: false });
    expect(j.warnings.map((w: { code: string }) => w.code)).toEqual(['synthetic']);
    expect(j.bytes_per_event).toBeLessThan(40);
    const text = cli('info', trace);
    expect(text.out).toMatch(/events\s+5,000 in/);
    expect(text.out).toMatch(/\[synthetic\]/);
  });

  it('info on a truncated trace reports the torn tail with its offset and exits 0', () => {
    const bytes = readFileSync(trace);
    const cut = path.join(dir, 'cut.mpst');
    writeFileSync(cut, bytes.subarray(0, 64 + 65536 + 1000 + 3));
    const r = cli('info', cut, '--json');
    expect(r.code).toBe(0);
    const torn = JSON.parse(r.out).warnings.find((w: { code: string }) => w.code === 'torn_tail');
    expect(torn.offset).toBeGreaterThan(64 + 65536);
    expect(torn.offset).toBeLessThanOrEqual(64 + 65536 + 1003);
    expect(torn.message).toContain(`offset ${torn.offset}`);
  });

  it('bad input exits 2 with the path and what to do on stderr, nothing on stdout', () => {
    const missing = cli('info', path.join(dir, 'nope.mpst'));
    expect(missing).toMatchObject({ code: 2, out: '' });
    expect(missing.err).toMatch(/nope\.mpst: no such file/);
    writeFileSync(path.join(dir, 'empty.mpst'), '');
    expect(cli('info', 'empty.mpst')).toMatchObject({ code: 2, err: expect.stringMatching(/empty\.mpst: empty file/) });
    expect(cli('info', dir).err).toMatch(/is a directory/);
    expect(cli('synth', '-o', 'x.mpst', '--events', 'many')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--events takes an integer/),
    });
    expect(cli('frobnicate').code).toBe(2);
    expect(cli('sql', trace, 'SELECT 1', '--json', '--csv').code).toBe(2);
  });

  it('sql --json keeps 64-bit integers exact', () => {
    const r = cli('sql', trace, "SELECT 9007199254740993::BIGINT AS big, 5::BIGINT AS small, NULL AS nothing, 'x' AS s", '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([{ big: '9007199254740993', small: 5, nothing: null, s: 'x' }]);
    const n = cli('sql', trace, 'SELECT count(*) AS n FROM submissions WHERE gpu_end IS NULL', '--json');
    expect(JSON.parse(n.out)).toEqual([{ n: 0 }]);
  });

  it('sql --csv quotes fields; the default is an aligned table', () => {
    const r = cli('sql', trace, `SELECT 'a,b' AS x, 'q"t' AS y, 3 AS z`, '--csv');
    expect(r.out).toBe('x,y,z\n"a,b","q""t",3\n');
    const t = cli('sql', trace, 'SELECT kind_name, count(*) AS n FROM events GROUP BY 1 ORDER BY 2 DESC LIMIT 2');
    expect(t.out.split('\n')[0]).toMatch(/^kind_name\s+n$/);
    expect(t.out).toMatch(/\(2 rows\)/);
  });

  it('a SQL error exits 2 and names the tables', () => {
    const r = cli('sql', trace, 'SELECT * FROM no_such_table');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/SQL error: .*no_such_table/);
    expect(r.err).toMatch(/host_syncs/);
  });

  it('decoding on the worker thread, or into Parquet segments, loads exactly the same rows as on the main thread', () => {
    const q =
      'SELECT count(*) AS n, sum(id) AS a, sum(ts) AS b, sum(tid) AS c, sum(kind) AS d, sum(site) AS e, sum(p0) AS f, sum(p1) AS g, sum(p2) AS h, sum(p3) AS i, sum(p4) AS j, (SELECT count(*) FROM strings) AS s FROM raw_events';
    const worker = cliEnv({ MPSTRACE_DECODE_THREAD: '1' }, 'sql', trace, q, '--json');
    const main = cliEnv({ MPSTRACE_DECODE_THREAD: '0' }, 'sql', trace, q, '--json');
    expect(worker.code).toBe(0);
    expect(JSON.parse(worker.out)).toEqual(JSON.parse(main.out));
    // decoded into Parquet segments that DuckDB inserts (the default for large traces)
    const segments = cliEnv({ MPSTRACE_INGEST: 'parquet', MPSTRACE_DB: 'file' }, 'sql', trace, q, '--json');
    expect(segments.code).toBe(0);
    expect(JSON.parse(segments.out)).toEqual(JSON.parse(main.out));
    expect(JSON.parse(main.out)[0].n).toBe(5000);
  });

  it('--cache writes a .duckdb that info and sql open directly; --save writes Parquet', () => {
    const cache = path.join(dir, 's.duckdb');
    expect(cli('info', trace, '--cache', cache).code).toBe(0);
    expect(existsSync(cache)).toBe(true);
    const fromDb = JSON.parse(cli('info', cache, '--json').out);
    expect(fromDb.events).toBe(5000);
    const pq = path.join(dir, 'pq');
    expect(cli('info', trace, '--save', pq).code).toBe(0);
    expect(JSON.parse(cli('sql', pq, 'SELECT count(*) AS n FROM raw_events', '--json').out)).toEqual([{ n: 5000 }]);
  });
});
