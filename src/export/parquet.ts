// Parquet export for fleets of traces: one directory per table, one Hive-style
// partition per run (`<out>/<table>/run=<name>/data.parquet` for the tables
// events, submissions, host_syncs, callsites (columns in tables.ts) and
// metrics). Table-first, because a Trino/Hive table location (and Spark's partition discovery) must hold one schema only;
// every engine then reads a table's directory with a `run` column.
// The schema is in docs/readme/60-ci-gate.md.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { TraceSession } from '../analyze/session.js';
import { flattenMetrics } from '../metrics/catalog.js';
import { measureSession } from '../metrics/measure.js';
import { sqlString } from '../ingest/db.js';
import type { MetricsOptions } from '../metrics/types.js';
import { UserError } from '../util/errors.js';
import { EXPORT_TABLES, type ExportTable } from './tables.js';

export interface ParquetExportOptions {
  /** Partition names, one per trace; default: the file name without extension. */
  runNames?: string[];
  metrics?: Partial<MetricsOptions>;
  /** Parquet compression codec (DuckDB names): zstd (default), snappy, uncompressed. */
  compression?: 'zstd' | 'snappy' | 'uncompressed';
}

export interface ParquetRun {
  run: string;
  trace: string;
  /** The run's files, by table. */
  files: Record<string, string>;
  events: number;
}

export const PARQUET_TABLES = [...(Object.keys(EXPORT_TABLES) as ExportTable[]), 'metrics'] as const;

/** A partition value that every engine accepts in a path: letters, digits, . _ - */
export function runName(file: string): string {
  const base = path.basename(file).replace(/\.(mpst|trace|bin|duckdb)$/i, '');
  const clean = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return clean === '' ? 'run' : clean;
}

function uniqueNames(traces: string[], given?: string[]): string[] {
  if (given && given.length !== traces.length) {
    throw new UserError(`${given.length} run names for ${traces.length} traces; give one name per trace`);
  }
  const used = new Set<string>();
  return traces.map((t, i) => {
    const want = given ? given[i]! : runName(t);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(want)) {
      throw new UserError(`run name '${want}' must start with a letter or digit and hold only letters, digits, '.', '_' and '-'`);
    }
    let name = want;
    for (let k = 2; used.has(name); k++) name = `${want}-${k}`;
    used.add(name);
    return name;
  });
}

/** Rows of the metrics table: one per scalar metric of the catalog. */
async function writeMetrics(trace: TraceSession, file: string, opts: ParquetExportOptions, codec: string): Promise<void> {
  const conn = trace.connection;
  const metrics = await measureSession(trace, opts.metrics);
  await conn.run('CREATE OR REPLACE TEMP TABLE _mx_export_metrics (metric VARCHAR, value DOUBLE, unit VARCHAR, direction VARCHAR)');
  const appender = await conn.createAppender('_mx_export_metrics');
  for (const f of flattenMetrics(metrics)) {
    appender.appendVarchar(f.key);
    appender.appendDouble(f.value);
    appender.appendVarchar(f.def.unit);
    appender.appendVarchar(f.def.direction);
    appender.endRow();
  }
  for (const [rule, r] of Object.entries(metrics.findings.by_rule)) {
    appender.appendVarchar(`findings.rule.${rule}`);
    appender.appendDouble(r.count);
    appender.appendVarchar('count');
    appender.appendVarchar(r.severity === 'error' ? 'higher_is_worse' : 'info');
    appender.endRow();
  }
  appender.closeSync();
  await conn.run(`COPY _mx_export_metrics TO ${sqlString(file)} (FORMAT parquet, COMPRESSION ${codec})`);
  await conn.run('DROP TABLE _mx_export_metrics');
}

/**
 * Export each trace into `<outDir>/<table>/run=<name>/`. An existing partition of the
 * same name is replaced; other runs already in `outDir` are kept, so a fleet
 * directory grows run by run.
 */
export async function exportParquet(traces: string[], outDir: string, opts: ParquetExportOptions = {}): Promise<ParquetRun[]> {
  if (traces.length === 0) throw new UserError('no traces to export');
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new UserError(`${outDir}: exists and is not a directory; Parquet export writes a directory of run=<name> partitions`);
  }
  const codec = opts.compression ?? 'zstd';
  const names = uniqueNames(traces, opts.runNames);
  const out: ParquetRun[] = [];
  for (let i = 0; i < traces.length; i++) {
    const trace = await TraceSession.open(traces[i]!);
    try {
      const files: Record<string, string> = {};
      for (const table of PARQUET_TABLES) {
        const dir = path.join(outDir, table, `run=${names[i]}`);
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        files[table] = path.join(dir, 'data.parquet');
      }
      for (const [table, sql] of Object.entries(EXPORT_TABLES)) {
        await trace.connection.run(`COPY (${sql}) TO ${sqlString(files[table]!)} (FORMAT parquet, COMPRESSION ${codec})`);
      }
      await writeMetrics(trace, files.metrics!, opts, codec);
      out.push({ run: names[i]!, trace: traces[i]!, files, events: trace.info.events });
    } finally {
      trace.close();
    }
  }
  return out;
}

/** The `export --format parquet` entry of the export command's format table. */
export async function parquetExporter(traces: string[], out: string): Promise<string> {
  const runs = await exportParquet(traces, out);
  const events = runs.reduce((a, r) => a + r.events, 0);
  return (
    `wrote ${runs.length} run(s) (${events} events) as ${out}/{${PARQUET_TABLES.join(',')}}/run=<name>/data.parquet ` +
    `(runs: ${runs.map((r) => r.run).join(', ')}); query: SELECT * FROM read_parquet('${out}/metrics/*/*.parquet', hive_partitioning = true)`
  );
}
