// Arrow IPC export: `<out>/<table>.arrow` (Arrow IPC file format) for the
// tables a notebook usually wants: all events, GPU submissions with their
// execution times, and host syncs. pandas (`pyarrow.ipc.open_file(f).read_pandas()`),
// polars (`pl.read_ipc`) and DuckDB read them without mpstrace.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBTypeId, type DuckDBConnection } from '@duckdb/node-api';
import { Bool, Float64, Int64, Table, Utf8, tableToIPC, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import { TraceSession } from '../analyze/session.js';
import { UserError } from '../util/errors.js';

export const ARROW_TABLES: Record<string, string> = {
  events: 'SELECT * FROM events ORDER BY id',
  submissions: 'SELECT * FROM submissions ORDER BY ts, id',
  host_syncs: 'SELECT * FROM host_syncs ORDER BY begin_ts, begin_id',
};

const INTEGER_TYPES = new Set([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT,
]);
const FLOAT_TYPES = new Set([DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL]);

/** One DuckDB column as an Arrow vector: integers stay 64-bit exact, the rest is text. */
function toVector(typeId: DuckDBTypeId, values: unknown[]): Vector {
  let type: DataType;
  let conv: (v: unknown) => unknown;
  if (INTEGER_TYPES.has(typeId)) {
    type = new Int64();
    conv = (v) => BigInt(v as bigint | number);
  } else if (FLOAT_TYPES.has(typeId)) {
    type = new Float64();
    conv = (v) => Number(v);
  } else if (typeId === DuckDBTypeId.BOOLEAN) {
    type = new Bool();
    conv = (v) => Boolean(v);
  } else {
    type = new Utf8();
    conv = (v) => String(v);
  }
  return vectorFromArray(values.map((v) => (v === null || v === undefined ? null : conv(v))), type);
}

export async function queryToArrow(conn: DuckDBConnection, sql: string): Promise<Table> {
  const reader = await conn.runAndReadAll(sql);
  const columns = reader.getColumnsJS();
  const vectors: Record<string, Vector> = {};
  reader.deduplicatedColumnNames().forEach((name, i) => {
    vectors[name] = toVector(reader.columnTypeId(i), columns[i] ?? []);
  });
  return new Table(vectors);
}

export async function arrowExporter(traces: string[], out: string): Promise<string> {
  if (traces.length !== 1) throw new UserError(`--format arrow takes one trace, got ${traces.length}; export them one at a time (or use --format parquet for many)`);
  let isFile = false;
  try { isFile = statSync(out).isFile(); } catch { /* does not exist yet */ }
  if (isFile) throw new UserError(`--format arrow writes a directory of .arrow files, but ${out} is a file; give a directory path`);
  mkdirSync(out, { recursive: true });
  const t = await TraceSession.open(traces[0]!);
  try {
    const written: string[] = [];
    for (const [name, sql] of Object.entries(ARROW_TABLES)) {
      const table = await queryToArrow(t.connection, sql);
      const file = path.join(out, `${name}.arrow`);
      writeFileSync(file, tableToIPC(table, 'file'));
      written.push(`${name} (${table.numRows} rows)`);
    }
    return `wrote Arrow IPC files to ${out}: ${written.join(', ')}`;
  } finally {
    t.close();
  }
}
