import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { TraceWriter } from '../src/format/writer.js';
import { exportParquet, runName } from '../src/export/parquet.js';
import { arrowExporter } from '../src/export/arrow.js';
import { tableFromIPC } from 'apache-arrow';
import { queryRows, sqlString } from '../src/ingest/db.js';

/** `n` kernels of 1000 ns on one stream, 2000 ns apart, plus one stream sync. */
function trace(file: string, n: number, kernel: string): void {
  const w = new TraceWriter({ backend: 'cuda', chunkBytes: 4096 });
  w.record(1, 'process_start', 0, { pid: 1, ppid: 1, backend: 'cuda', clock: 'monotonic', recorder: 'test' });
  for (let i = 0; i < n; i++) {
    w.record(1, 'submit', i * 2000, { stream: 0x10, name: kernel, corr: i + 1 });
    w.record(2, 'complete', i * 2000 + 100, { corr: i + 1, error: 0, dur_ns: 1000 });
  }
  w.record(1, 'sync_begin', n * 2000, { target: 0x10, scope: 'stream', api: 'cudaStreamSynchronize' });
  w.record(1, 'sync_end', n * 2000 + 500, { target: 0x10, scope: 'stream', api: 'cudaStreamSynchronize', result: 0 });
  w.writeFile(file);
}

let dir: string;
let out: string;
let conn: DuckDBConnection;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mpst-parquet-'));
  out = path.join(dir, 'fleet');
  trace(path.join(dir, 'a.mpst'), 5, 'gemm');
  trace(path.join(dir, 'b.mpst'), 8, 'relu');
  conn = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const glob = (table: string) => sqlString(path.join(out, table, '*', '*.parquet'));

describe('Parquet export', () => {
  it('writes one Hive partition per run and reads back with DuckDB', async () => {
    const runs = await exportParquet([path.join(dir, 'a.mpst'), path.join(dir, 'b.mpst')], out, { metrics: { findings: false } });
    expect(runs.map((r) => r.run)).toEqual(['a', 'b']);
    expect(readdirSync(out).sort()).toEqual(['callsites', 'events', 'host_syncs', 'metrics', 'submissions']);
    expect(readdirSync(path.join(out, 'metrics')).sort()).toEqual(['run=a', 'run=b']);
    expect(readdirSync(path.join(out, 'events', 'run=a'))).toEqual(['data.parquet']);

    const events = await queryRows(
      conn,
      `SELECT run, count(*)::DOUBLE AS n, count(*) FILTER (WHERE kind = 'submit')::DOUBLE AS submits
      FROM read_parquet(${glob('events')}, hive_partitioning = true) GROUP BY run ORDER BY run`,
    );
    expect(events).toEqual([
      { run: 'a', n: runs[0].events, submits: 5 },
      { run: 'b', n: runs[1].events, submits: 8 },
    ]);
    // process_start + n submits + n completes + 2 syncs (string records live in their own table).
    expect(runs.map((r) => r.events)).toEqual([1 + 10 + 2, 1 + 16 + 2]);
  });

  it('submissions carry GPU durations; metrics are one row per metric with unit and direction', async () => {
    const subs = await queryRows(
      conn,
      `SELECT run, name, count(*)::DOUBLE AS n, median(gpu_dur_ns)::DOUBLE AS p50
      FROM read_parquet(${glob('submissions')}, hive_partitioning = true) GROUP BY ALL ORDER BY run`,
    );
    expect(subs).toEqual([
      { run: 'a', name: 'gemm', n: 5, p50: 1000 },
      { run: 'b', name: 'relu', n: 8, p50: 1000 },
    ]);
    const m = await queryRows(
      conn,
      `SELECT run, metric, value, unit, direction
      FROM read_parquet(${glob('metrics')}, hive_partitioning = true)
      WHERE metric IN ('gpu.busy_union_ns', 'host_sync.blocked_ns', 'kernel.relu.p50_ns') ORDER BY run, metric`,
    );
    expect(m).toEqual([
      { run: 'a', metric: 'gpu.busy_union_ns', value: 5000, unit: 'ns', direction: 'info' },
      { run: 'a', metric: 'host_sync.blocked_ns', value: 500, unit: 'ns', direction: 'higher_is_worse' },
      { run: 'b', metric: 'gpu.busy_union_ns', value: 8000, unit: 'ns', direction: 'info' },
      { run: 'b', metric: 'host_sync.blocked_ns', value: 500, unit: 'ns', direction: 'higher_is_worse' },
      { run: 'b', metric: 'kernel.relu.p50_ns', value: 1000, unit: 'ns', direction: 'higher_is_worse' },
    ]);
  });

  it('re-exporting a run replaces its partition and keeps the others; duplicate names get a suffix', async () => {
    trace(path.join(dir, 'a2.mpst'), 2, 'gemm');
    await exportParquet([path.join(dir, 'a2.mpst')], out, { runNames: ['a'], metrics: { findings: false } });
    const n = await queryRows(
      conn,
      `SELECT run, count(*) FILTER (WHERE kind = 'submit')::DOUBLE AS submits
      FROM read_parquet(${glob('events')}, hive_partitioning = true) GROUP BY run ORDER BY run`,
    );
    expect(n).toEqual([
      { run: 'a', submits: 2 },
      { run: 'b', submits: 8 },
    ]);
    const sub = path.join(dir, 'sub');
    const twice = await exportParquet([path.join(dir, 'a.mpst'), path.join(dir, 'a.mpst')], sub, { metrics: { findings: false } });
    expect(twice.map((r) => r.run)).toEqual(['a', 'a-2']);
  });

  it('mpstrace export --format parquet writes the same layout and says how to query it', async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    const fleet = path.join(dir, 'cli-fleet');
    const r = spawnSync(
      process.execPath,
      [
        path.join(root, 'bin/mpstrace.js'),
        'export',
        path.join(dir, 'a.mpst'),
        path.join(dir, 'b.mpst'),
        '--format',
        'parquet',
        '-o',
        fleet,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/wrote 2 run\(s\) .*read_parquet\('.*metrics\/\*\/\*\.parquet', hive_partitioning = true\)/);
    const n = await queryRows(
      conn,
      `SELECT count(DISTINCT run)::DOUBLE AS runs FROM read_parquet(${sqlString(path.join(fleet, 'metrics', '*', '*.parquet'))}, hive_partitioning = true)`,
    );
    expect(n).toEqual([{ runs: 2 }]);
  });

  it('call sites resolve every site id; kind is the name, kind_code the number, in Parquet and in Arrow alike', async () => {
    const real = path.resolve('traces/cuda/pool/device_sync_buggy.mpst');
    const fleet = path.join(dir, 'real-fleet');
    await exportParquet([real], fleet, { runNames: ['r'], metrics: { findings: false } });
    const pq = (table: string) => `read_parquet(${sqlString(path.join(fleet, table, '*', '*.parquet'))}, hive_partitioning = true)`;
    // every non-zero site of every table is a row of callsites
    const sites = await queryRows(
      conn,
      `SELECT t, count(*)::DOUBLE AS n, count(c.site_id)::DOUBLE AS resolved FROM (
        SELECT 'events' AS t, site FROM ${pq('events')} UNION ALL SELECT 'submissions', site FROM ${pq('submissions')}
        UNION ALL SELECT 'host_syncs', site FROM ${pq('host_syncs')}) x
      LEFT JOIN ${pq('callsites')} c ON c.site_id = x.site WHERE x.site <> 0 GROUP BY t ORDER BY t`,
    );
    expect(sites.map((r) => r.t)).toEqual(['events', 'host_syncs', 'submissions']);
    for (const r of sites) expect(r.resolved, String(r.t)).toBe(r.n);
    const named = await queryRows(
      conn,
      `SELECT count(*)::DOUBLE AS n FROM ${pq('callsites')} WHERE symbol = 'c10::cuda::device_synchronize()'`,
    );
    expect(named).toEqual([{ n: 1 }]);
    // kind: VARCHAR name; kind_code: its number in the format
    const types = await queryRows(conn, `SELECT column_name, column_type FROM (DESCRIBE SELECT kind, kind_code FROM ${pq('events')})`);
    expect(types).toEqual([
      { column_name: 'kind', column_type: 'VARCHAR' },
      { column_name: 'kind_code', column_type: 'UTINYINT' },
    ]);
    const arrowDir = path.join(dir, 'real-arrow');
    await arrowExporter([real], arrowDir);
    const arrow = tableFromIPC(readFileSync(path.join(arrowDir, 'events.arrow')));
    const fromParquet = await queryRows(conn, `SELECT kind, kind_code::DOUBLE AS kind_code FROM ${pq('events')} ORDER BY id`);
    expect(arrow.toArray().map((r) => ({ kind: r.kind, kind_code: Number(r.kind_code) }))).toEqual(fromParquet);
    expect(fromParquet.some((r) => r.kind === 'submit')).toBe(true);
    const arrowSites = tableFromIPC(readFileSync(path.join(arrowDir, 'callsites.arrow')));
    expect(arrowSites.schema.fields.map((f) => f.name)).toEqual([
      'site_id',
      'symbol',
      'module',
      'addr',
      'offset',
      'file',
      'line',
      'dl_symbol',
    ]);
    expect(arrowSites.numRows).toBe((await queryRows(conn, `SELECT count(*)::DOUBLE AS n FROM ${pq('callsites')}`))[0]!.n);
  });

  it('names partitions safely and rejects bad names and a file as the output', async () => {
    expect(runName('/x/my run (1).mpst')).toBe('my_run_1_');
    expect(runName('/x/..hidden.mpst')).toBe('hidden');
    await expect(exportParquet([path.join(dir, 'a.mpst')], path.join(dir, 'o2'), { runNames: ['../evil'] })).rejects.toThrow(/run name/);
    expect(existsSync(path.join(dir, 'evil'))).toBe(false);
    const file = path.join(dir, 'afile');
    writeFileSync(file, 'x');
    await expect(exportParquet([path.join(dir, 'a.mpst')], file)).rejects.toThrow(/not a directory/);
  });
});
