// The loader's own Parquet writer (src/ingest/parquetWriter.ts): DuckDB must read back
// exactly the values written, in order, with the types raw_events has, extremes included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CompactWriter, ParquetFileWriter, type ParquetColumn } from '../src/ingest/parquetWriter.js';
import { sqlString } from '../src/ingest/db.js';

let dir: string;
let inst: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mpst-pqw-'));
  inst = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  conn = await inst.connect();
});
afterAll(() => {
  conn.closeSync();
  inst.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

const COLS: ParquetColumn[] = [
  { name: 'a', kind: 'int64' },
  { name: 'k', kind: 'uint8' },
  { name: 's', kind: 'uint32' },
  { name: 'i', kind: 'int32' },
  { name: 'b', kind: 'int64' },
];

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

describe('ParquetFileWriter', () => {
  it('writes REQUIRED integer columns that DuckDB reads back exactly, extremes included', async () => {
    const file = path.join(dir, 'extremes.parquet');
    const a = BigInt64Array.from([I64_MIN, I64_MAX, 0n, -1n, 1n, 2n ** 53n + 1n]);
    const k = Uint8Array.from([0, 255, 1, 128, 127, 254]);
    const s = Uint32Array.from([0, 4294967295, 2147483648, 2147483647, 1, 4294967294]);
    const i = Int32Array.from([-2147483648, 2147483647, 0, -1, 1, 42]);
    const b = BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]);
    const w = new ParquetFileWriter(file, COLS);
    w.writeRowGroup(4, [a, k, s, i, b]);
    w.writeRowGroup(2, [a.subarray(4), k.subarray(4), s.subarray(4), i.subarray(4), b.subarray(4)]);
    w.close();
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('PAR1');
    expect(bytes.subarray(bytes.length - 4).toString('latin1')).toBe('PAR1');

    const types = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)).getRowObjects();
    expect(types.map((r) => [r.column_name, r.column_type])).toEqual([
      ['a', 'BIGINT'],
      ['k', 'UTINYINT'],
      ['s', 'UINTEGER'],
      ['i', 'INTEGER'],
      ['b', 'BIGINT'],
    ]);
    const rows = (
      await conn.runAndReadAll(
        `SELECT a, k, s, i, b FROM read_parquet(${sqlString(file)}, file_row_number = true) ORDER BY file_row_number`,
      )
    ).getRows();
    expect(rows).toEqual(Array.from({ length: 6 }, (_, r) => [a[r], k[r], s[r], i[r], b[r]]));
    const meta = (
      await conn.runAndReadAll(
        `SELECT row_group_id, row_group_num_rows FROM parquet_metadata(${sqlString(file)}) WHERE path_in_schema = 'a'`,
      )
    ).getRows();
    expect(meta).toEqual([
      [0n, 4n],
      [1n, 2n],
    ]);
  });

  it('keeps row order over many row groups and inserts into raw_events types exactly', async () => {
    const file = path.join(dir, 'many.parquet');
    const n = 50_000;
    const group = 12_288;
    const id = BigInt64Array.from({ length: n }, (_, r) => BigInt(r));
    const x = BigInt64Array.from({ length: n }, (_, r) => BigInt(r) * 0x9e3779b97f4a7c15n - (1n << 62n));
    const kind = Uint8Array.from({ length: n }, (_, r) => (r * 7) & 255);
    const site = Uint32Array.from({ length: n }, (_, r) => (r * 2654435761) >>> 0);
    const w = new ParquetFileWriter(file, [
      { name: 'id', kind: 'int64' },
      { name: 'x', kind: 'int64' },
      { name: 'kind', kind: 'uint8' },
      { name: 'site', kind: 'uint32' },
    ]);
    for (let at = 0; at < n; at += group) {
      const m = Math.min(group, n - at);
      w.writeRowGroup(m, [id.subarray(at), x.subarray(at), kind.subarray(at), site.subarray(at)]);
    }
    w.close();
    expect(w.rowCount).toBe(n);
    await conn.run('CREATE TABLE t (id BIGINT, x BIGINT, kind UTINYINT, site UINTEGER)');
    await conn.run(`INSERT INTO t SELECT * FROM read_parquet(${sqlString(file)})`);
    const back = (await conn.runAndReadAll('SELECT id, x, kind, site FROM t')).getColumns();
    expect(back[0]).toEqual(Array.from(id));
    expect(back[1]).toEqual(Array.from(x));
    expect(back[2]).toEqual(Array.from(kind));
    expect(back[3]).toEqual(Array.from(site));
    await conn.run('DROP TABLE t');
  });

  it('sequence and runs encodings read back exactly, and fall back to PLAIN when the values do not fit them', async () => {
    const file = path.join(dir, 'encodings.parquet');
    const cols: ParquetColumn[] = [
      { name: 'seq', kind: 'int64', encoding: 'sequence' },
      { name: 'runs', kind: 'int64', encoding: 'runs' },
      { name: 'k', kind: 'uint8' },
    ];
    const w = new ParquetFileWriter(file, cols);
    const groups: { seq: bigint[]; runs: bigint[]; k: number[]; seqEnc: string; runsEnc: string }[] = [];
    const add = (seq: bigint[], runs: bigint[], k: number[], seqEnc: string, runsEnc: string) => {
      w.writeRowGroup(seq.length, [BigInt64Array.from(seq), BigInt64Array.from(runs), Uint8Array.from(k)]);
      groups.push({ seq, runs, k, seqEnc, runsEnc });
    };
    const n = 1000;
    const range = (m: number, f: (i: number) => bigint) => Array.from({ length: m }, (_, i) => f(i));
    const bytes = (m: number) => Array.from({ length: m }, (_, i) => (i * 37 + 11) & 255);
    // a sequence and runs (one value of 2^63 - 1, one negative, one over 2^53), rows not a multiple of 8 or 128
    add(
      range(n, (i) => 123_456_789n + BigInt(i)),
      range(n, (i) => [7n, I64_MAX, -5n, 7n, 2n ** 53n + 1n][Math.floor(i / 211)]!),
      bytes(n),
      'DELTA_BINARY_PACKED',
      'RLE_DICTIONARY',
    );
    // one row; a sequence starting at 0
    add([0n], [I64_MIN], [255], 'DELTA_BINARY_PACKED', 'RLE_DICTIONARY');
    // 129 rows: a sequence over exactly one full block and one value; one run
    add(
      range(129, (i) => BigInt(i)),
      range(129, () => 42n),
      bytes(129),
      'DELTA_BINARY_PACKED',
      'RLE_DICTIONARY',
    );
    // not a sequence (a gap; then a start past 2^51), short runs: PLAIN
    add(
      range(n, (i) => BigInt(i + (i >= 500 ? 1 : 0))),
      range(n, (i) => BigInt(i % 3)),
      bytes(n),
      'PLAIN',
      'PLAIN',
    );
    add(
      range(300, (i) => 2n ** 51n + BigInt(i)),
      range(300, (i) => -BigInt(i)),
      bytes(300),
      'PLAIN',
      'PLAIN',
    );
    w.close();
    const got = (
      await conn.runAndReadAll(`SELECT seq, runs, k FROM read_parquet(${sqlString(file)}, file_row_number = true) ORDER BY file_row_number`)
    ).getColumns();
    expect(got[0]).toEqual(groups.flatMap((g) => g.seq));
    expect(got[1]).toEqual(groups.flatMap((g) => g.runs));
    expect(got[2]).toEqual(groups.flatMap((g) => g.k));
    const meta = (
      await conn.runAndReadAll(
        `SELECT row_group_id, path_in_schema, encodings FROM parquet_metadata(${sqlString(file)}) ORDER BY row_group_id, column_id`,
      )
    ).getRows();
    const enc = (rg: number, col: string) => String(meta.find((m) => Number(m[0]) === rg && m[1] === col)![2]);
    groups.forEach((g, rg) => {
      expect(enc(rg, 'seq')).toContain(g.seqEnc);
      expect(enc(rg, 'runs')).toContain(g.runsEnc);
      if (g.runsEnc === 'PLAIN') expect(enc(rg, 'runs')).not.toContain('DICTIONARY');
      expect(enc(rg, 'k')).toContain('RLE_DICTIONARY');
    });
  });

  it('abort() removes an unfinished file; a file that exists already is refused', () => {
    const file = path.join(dir, 'aborted.parquet');
    const w = new ParquetFileWriter(file, COLS);
    expect(existsSync(file)).toBe(true);
    w.abort();
    expect(existsSync(file)).toBe(false);
    const kept = path.join(dir, 'kept.parquet');
    new ParquetFileWriter(kept, COLS).close();
    expect(() => new ParquetFileWriter(kept, COLS)).toThrow(/EEXIST/);
  });
});

describe('CompactWriter', () => {
  it('encodes field headers, zigzag varints, long field-id jumps, lists and bools as Thrift compact', () => {
    const bytes = new CompactWriter()
      .structBody((w) =>
        w
          .i32(1, -1)
          .i64(2, 300)
          .i32(20, 5)
          .bool(21, true)
          .listI32(
            22,
            Array.from({ length: 15 }, () => 0),
          ),
      )
      .bytes();
    expect([...bytes]).toEqual([
      0x15, // field 1, i32
      0x01, // zigzag(-1)
      0x16, // field 2 (delta 1), i64
      0xd8,
      0x04, // zigzag(300) = 600
      0x05, // delta 18 > 15: type byte, then the id
      0x28, // zigzag(20)
      0x0a, // zigzag(5)
      0x11, // field 21, bool true
      0x19, // field 22, list
      0xf5, // 15 or more elements of i32: 0xF0 | type, then the size
      0x0f,
      ...Array.from({ length: 15 }, () => 0),
      0x00, // stop
    ]);
  });
});
