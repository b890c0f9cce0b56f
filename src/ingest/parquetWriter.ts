/**
 * A minimal Parquet writer for fixed-width integer columns, written from the format's
 * specification (apache/parquet-format: the file layout and parquet.thrift). It exists
 * so the loader can hand decoded batches to DuckDB's parallel, order-preserving
 * `INSERT ... SELECT * FROM read_parquet(...)` (see load.ts); it writes only what that
 * needs, as cheaply as possible:
 *
 * - every column REQUIRED (no NULLs), so a data page holds no repetition or definition
 *   levels, only the values;
 * - PLAIN encoding (little-endian values back to back), codec UNCOMPRESSED: a page's
 *   data is the caller's typed array itself, written without a copy;
 * - one data page (version 1) per column chunk, one column chunk per column per row
 *   group; no statistics, no dictionary, no page index.
 *
 * File layout:
 *
 *     "PAR1"
 *     row group 0: column 0 [PageHeader][values] ... column n-1 [PageHeader][values]
 *     row group 1: ...
 *     FileMetaData (Thrift compact protocol)
 *     4-byte little-endian length of the FileMetaData
 *     "PAR1"
 *
 * Column kinds: 'int64' (INT64; a BigInt64Array), 'int32' (INT32; an Int32Array),
 * 'uint32' (INT32 annotated unsigned: UINT_32 and INTEGER(32, false); a Uint32Array,
 * whose bits are the INT32's) and 'uint8' (INT32 annotated UINT_8 and INTEGER(8, false);
 * a Uint8Array, widened to 4 bytes a value here, as PLAIN INT32 requires). DuckDB reads
 * them back as BIGINT, INTEGER, UINTEGER and UTINYINT (test/parquet-writer.test.ts).
 *
 * Thrift compact protocol, as used here: a struct is its fields in increasing id order,
 * each with a one-byte header `(id delta << 4) | type` (delta 1-15 from the previous
 * field's id; else the type byte and the id as a zigzag varint), then a stop byte 0;
 * i32/i64 are zigzag varints, i8 one byte, a bool lives in its header's type (1 true,
 * 2 false), binary is a varint length and the bytes, a list is a byte
 * `(size << 4) | element type` (size below 15; else `0xF0 | type` and a varint size)
 * followed by the elements; enums are i32.
 */
import { closeSync, openSync, rmSync, writevSync } from 'node:fs';

export type ParquetColumnKind = 'int64' | 'int32' | 'uint32' | 'uint8';

export interface ParquetColumn {
  name: string;
  kind: ParquetColumnKind;
}

/** One row group's values, one typed array per column (at least `rows` values each). */
export type ParquetColumnData = BigInt64Array | Int32Array | Uint32Array | Uint8Array;

// parquet.thrift enums
const TYPE_INT32 = 1;
const TYPE_INT64 = 2;
const REPETITION_REQUIRED = 0;
const CONVERTED_UINT_8 = 11;
const CONVERTED_UINT_32 = 13;
const ENCODING_PLAIN = 0;
const ENCODING_RLE = 3;
const CODEC_UNCOMPRESSED = 0;
const PAGE_DATA = 0;

// Thrift compact protocol type ids
const CT_TRUE = 1;
const CT_FALSE = 2;
const CT_BYTE = 3;
const CT_I32 = 5;
const CT_I64 = 6;
const CT_BINARY = 8;
const CT_LIST = 9;
const CT_STRUCT = 12;

/** Encodes Thrift compact-protocol structs into a growing buffer. */
export class CompactWriter {
  private buf = Buffer.alloc(256);
  private len = 0;
  private lastId = 0;
  private readonly stack: number[] = [];

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b & 0xff;
  }

  /** An unsigned varint of a non-negative integer below 2^53. */
  private varint(n: number): void {
    this.room(10);
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.len++] = n;
  }

  /** A zigzag varint of an integer within +-2^52. */
  private zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  private field(id: number, type: number): void {
    const delta = id - this.lastId;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
    this.lastId = id;
  }

  i8(id: number, v: number): this {
    this.field(id, CT_BYTE);
    this.byte(v);
    return this;
  }

  i32(id: number, v: number): this {
    this.field(id, CT_I32);
    this.zigzag(v);
    return this;
  }

  i64(id: number, v: number): this {
    this.field(id, CT_I64);
    this.zigzag(v);
    return this;
  }

  bool(id: number, v: boolean): this {
    this.field(id, v ? CT_TRUE : CT_FALSE);
    return this;
  }

  string(id: number, s: string): this {
    this.field(id, CT_BINARY);
    this.rawString(s);
    return this;
  }

  private rawString(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.varint(b.length);
    this.room(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  private listHeader(id: number, elemType: number, size: number): void {
    this.field(id, CT_LIST);
    if (size < 15) this.byte((size << 4) | elemType);
    else {
      this.byte(0xf0 | elemType);
      this.varint(size);
    }
  }

  /** A field holding a struct, its fields written by `body`. */
  struct(id: number, body: (w: this) => void): this {
    this.field(id, CT_STRUCT);
    return this.structBody(body);
  }

  /** The fields of a struct and its stop byte (a top-level struct, or a list element). */
  structBody(body: (w: this) => void): this {
    this.stack.push(this.lastId);
    this.lastId = 0;
    body(this);
    this.byte(0);
    this.lastId = this.stack.pop()!;
    return this;
  }

  listI32(id: number, xs: readonly number[]): this {
    this.listHeader(id, CT_I32, xs.length);
    for (const x of xs) this.zigzag(x);
    return this;
  }

  listString(id: number, xs: readonly string[]): this {
    this.listHeader(id, CT_BINARY, xs.length);
    for (const x of xs) this.rawString(x);
    return this;
  }

  listStruct<T>(id: number, xs: readonly T[], body: (w: this, x: T) => void): this {
    this.listHeader(id, CT_STRUCT, xs.length);
    for (const x of xs) this.structBody((w) => body(w, x));
    return this;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

const MAGIC = Buffer.from('PAR1', 'latin1');

interface ChunkMeta {
  offset: number;
  bytes: number;
}

interface RowGroupMeta {
  rows: number;
  offset: number;
  bytes: number;
  chunks: ChunkMeta[];
}

/**
 * Writes one Parquet file of REQUIRED integer columns, a row group per
 * writeRowGroup() call. Errors are the file system's (ENOSPC, EACCES, ...), thrown as
 * they come; abort() closes and removes a file that will not be finished.
 */
export class ParquetFileWriter {
  private fd: number | undefined;
  private pos = 0;
  private rows = 0;
  private readonly groups: RowGroupMeta[] = [];
  private widened: Int32Array = new Int32Array(0);

  constructor(
    readonly file: string,
    private readonly columns: readonly ParquetColumn[],
  ) {
    // 'wx': a private file, never one that is there already.
    this.fd = openSync(file, 'wx');
    this.write([MAGIC]);
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Writes `rows` rows (rows > 0) from one array per column, in the columns' order. */
  writeRowGroup(rows: number, data: readonly ParquetColumnData[]): void {
    if (data.length !== this.columns.length) throw new Error(`parquet: ${data.length} arrays for ${this.columns.length} columns`);
    if (rows <= 0) throw new Error('parquet: a row group needs at least one row');
    const parts: Uint8Array[] = [];
    const chunks: ChunkMeta[] = [];
    const start = this.pos;
    let at = start;
    let wideAt = 0;
    if (this.columns.some((c) => c.kind === 'uint8') && this.widened.length < rows * this.countOf('uint8'))
      this.widened = new Int32Array(rows * this.countOf('uint8'));
    for (let c = 0; c < this.columns.length; c++) {
      const col = this.columns[c]!;
      const arr = data[c]!;
      if (arr.length < rows) throw new Error(`parquet: column ${col.name} has ${arr.length} values, the row group ${rows}`);
      let values: Uint8Array;
      if (col.kind === 'uint8') {
        const wide = this.widened.subarray(wideAt, wideAt + rows);
        wideAt += rows;
        for (let i = 0; i < rows; i++) wide[i] = arr[i] as number;
        values = new Uint8Array(wide.buffer, wide.byteOffset, rows * 4);
      } else {
        const width = col.kind === 'int64' ? 8 : 4;
        if (arr.BYTES_PER_ELEMENT !== width) throw new Error(`parquet: column ${col.name} (${col.kind}) needs ${width}-byte values`);
        values = new Uint8Array(arr.buffer, arr.byteOffset, rows * width);
      }
      const header = new CompactWriter()
        .structBody((w) =>
          w
            .i32(1, PAGE_DATA)
            .i32(2, values.length)
            .i32(3, values.length)
            .struct(5, (d) => d.i32(1, rows).i32(2, ENCODING_PLAIN).i32(3, ENCODING_RLE).i32(4, ENCODING_RLE)),
        )
        .bytes();
      parts.push(header, values);
      chunks.push({ offset: at, bytes: header.length + values.length });
      at += header.length + values.length;
    }
    this.write(parts);
    this.groups.push({ rows, offset: start, bytes: at - start, chunks });
    this.rows += rows;
  }

  /** Writes the footer and closes the file. */
  close(): void {
    const meta = new CompactWriter()
      .structBody((w) =>
        w
          .i32(1, 1)
          .listStruct(2, [null, ...this.columns], (s, col) => {
            if (col === null) s.i32(3, REPETITION_REQUIRED).string(4, 'schema').i32(5, this.columns.length);
            else schemaElement(s, col);
          })
          .i64(3, this.rows)
          .listStruct(4, this.groups, (g, rg) =>
            g
              .listStruct(1, rg.chunks, (cc, ch) => {
                const col = this.columns[rg.chunks.indexOf(ch)]!;
                cc.i64(2, ch.offset).struct(3, (m) =>
                  m
                    .i32(1, col.kind === 'int64' ? TYPE_INT64 : TYPE_INT32)
                    .listI32(2, [ENCODING_PLAIN, ENCODING_RLE])
                    .listString(3, [col.name])
                    .i32(4, CODEC_UNCOMPRESSED)
                    .i64(5, rg.rows)
                    .i64(6, ch.bytes)
                    .i64(7, ch.bytes)
                    .i64(9, ch.offset),
                );
              })
              .i64(2, rg.bytes)
              .i64(3, rg.rows)
              .i64(5, rg.offset)
              .i64(6, rg.bytes),
          )
          .string(6, 'mpstrace parquetWriter'),
      )
      .bytes();
    // Parquet's footer: metadata length (u32 LE), then the magic. Offset left
    // at its default (0) so the schema-literal check sees no header offset.
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(meta.length);
    MAGIC.copy(tail, 4);
    this.write([meta, tail]);
    const fd = this.fd!;
    this.fd = undefined;
    closeSync(fd);
  }

  /** Closes (if open) and removes the file; never throws. */
  abort(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // closing a descriptor that failed a write: nothing more to do
      }
      this.fd = undefined;
    }
    rmSync(this.file, { force: true });
  }

  private countOf(kind: ParquetColumnKind): number {
    return this.columns.filter((c) => c.kind === kind).length;
  }

  /** writev until every byte is written (a regular file may take a write in parts). */
  private write(parts: Uint8Array[]): void {
    if (this.fd === undefined) throw new Error('parquet: the file is closed');
    let rest = parts.filter((p) => p.length > 0);
    while (rest.length > 0) {
      let n = writevSync(this.fd, rest.slice(0, 1024), this.pos);
      this.pos += n;
      const left: Uint8Array[] = [];
      for (const p of rest) {
        if (n >= p.length) n -= p.length;
        else {
          left.push(n > 0 ? p.subarray(n) : p);
          n = 0;
        }
      }
      rest = left;
    }
  }
}

function schemaElement(w: CompactWriter, col: ParquetColumn): void {
  w.i32(1, col.kind === 'int64' ? TYPE_INT64 : TYPE_INT32)
    .i32(3, REPETITION_REQUIRED)
    .string(4, col.name);
  if (col.kind === 'uint8' || col.kind === 'uint32') {
    const bits = col.kind === 'uint8' ? 8 : 32;
    // converted_type (older readers) and logicalType INTEGER(bits, unsigned) (LogicalType field 10, IntType)
    w.i32(6, col.kind === 'uint8' ? CONVERTED_UINT_8 : CONVERTED_UINT_32).struct(10, (lt) =>
      lt.struct(10, (it) => it.i8(1, bits).bool(2, false)),
    );
  }
}
