// Arrow IPC export: `<out>/<table>.arrow` (Arrow IPC file format) for the
// tables a notebook usually wants: all events, GPU submissions with their
// execution times, host syncs, and the call sites their `site` columns name.
// pandas (`pyarrow.ipc.open_file(f).read_pandas()`), polars (`pl.read_ipc`)
// and DuckDB read them without mpstrace.
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { DuckDBTypeId, type DuckDBConnection } from '@duckdb/node-api';
import {
  Bool,
  Field,
  Float64,
  Int64,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  Utf8,
  makeData,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { TraceSession } from '../analyze/session.js';
import { UserError } from '../util/errors.js';
import { EXPORT_TABLES } from './tables.js';

/** The tables written, one `<name>.arrow` each: the same columns as the Parquet export's (tables.ts). */
export const ARROW_TABLES: Record<string, string> = EXPORT_TABLES;

const INTEGER_TYPES = new Set([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
]);
const FLOAT_TYPES = new Set([DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL]);

/** One DuckDB column as an Arrow vector: integers stay 64-bit exact, the rest is text. */
function toVector(typeId: DuckDBTypeId, values: unknown[]): Vector {
  const type = arrowType(typeId);
  const conv: (v: unknown) => unknown = INTEGER_TYPES.has(typeId)
    ? (v) => BigInt(v as bigint | number)
    : FLOAT_TYPES.has(typeId)
      ? (v) => Number(v)
      : typeId === DuckDBTypeId.BOOLEAN
        ? (v) => Boolean(v)
        : (v) => String(v);
  return vectorFromArray(
    values.map((v) => (v === null || v === undefined ? null : conv(v))),
    type,
  );
}

/** Rows per Arrow record batch: bounds the memory of one batch (about 100 bytes a row before conversion). */
export const ARROW_BATCH_ROWS = 65_536;

/** Arrow type and value conversion for one DuckDB column type. */
function arrowType(typeId: DuckDBTypeId): DataType {
  return INTEGER_TYPES.has(typeId)
    ? new Int64()
    : FLOAT_TYPES.has(typeId)
      ? new Float64()
      : typeId === DuckDBTypeId.BOOLEAN
        ? new Bool()
        : new Utf8();
}

/**
 * Streams the result of `sql` into an Arrow IPC file, one record batch per
 * ARROW_BATCH_ROWS rows: memory holds one batch, never the whole table.
 * Returns the number of rows written.
 */
export async function queryToArrowFile(conn: DuckDBConnection, sql: string, file: string): Promise<number> {
  const result = await conn.stream(sql);
  const names = result.deduplicatedColumnNames();
  const typeIds = names.map((_, i) => result.columnTypeId(i));
  const fields = names.map((n, i) => new Field(n, arrowType(typeIds[i]!), true));
  const schema = new Schema(fields);
  const writer = new RecordBatchFileWriter();
  const out = createWriteStream(file);
  const piped = pipeline(writer.toNodeStream(), out);
  let rows = 0;
  let pending: unknown[][] = names.map(() => []);
  let pendingRows = 0;
  const flush = async () => {
    const children = pending.map((values, i) => toVector(typeIds[i]!, values).data[0]!);
    writer.write(new RecordBatch(schema, makeData({ type: new Struct(fields), length: pendingRows, nullCount: 0, children })));
    pending = names.map(() => []);
    pendingRows = 0;
    // Let the file stream take the batch before the next one is built.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  try {
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const cols = chunk.getColumns();
      for (let c = 0; c < cols.length; c++) for (const v of cols[c]!) pending[c]!.push(v);
      pendingRows += chunk.rowCount;
      rows += chunk.rowCount;
      if (pendingRows >= ARROW_BATCH_ROWS) await flush();
    }
    if (pendingRows > 0 || rows === 0) await flush();
  } finally {
    writer.finish();
    writer.close();
    await piped;
  }
  return rows;
}

export async function arrowExporter(traces: string[], out: string): Promise<string> {
  if (traces.length !== 1)
    throw new UserError(
      `--format arrow takes one trace, got ${traces.length}; export them one at a time (or use --format parquet for many)`,
    );
  let isFile = false;
  try {
    isFile = statSync(out).isFile();
  } catch {
    /* does not exist yet */
  }
  if (isFile) throw new UserError(`--format arrow writes a directory of .arrow files, but ${out} is a file; give a directory path`);
  mkdirSync(out, { recursive: true });
  const t = await TraceSession.open(traces[0]!);
  try {
    const written: string[] = [];
    for (const [name, sql] of Object.entries(ARROW_TABLES)) {
      const rows = await queryToArrowFile(t.connection, sql, path.join(out, `${name}.arrow`));
      written.push(`${name} (${rows} rows)`);
    }
    return `wrote Arrow IPC files to ${out}: ${written.join(', ')}`;
  } finally {
    t.close();
  }
}
