/**
 * A minimal Parquet writer for fixed-width integer columns, written from the format's
 * specification (apache/parquet-format: the file layout and parquet.thrift). It exists
 * so the loader can hand decoded batches to DuckDB's parallel, order-preserving
 * `INSERT ... SELECT * FROM read_parquet(...)` (see load.ts); it writes only what that
 * needs, as cheaply as possible:
 *
 * - every column REQUIRED (no NULLs), so a data page holds no repetition or definition
 *   levels, only the values;
 * - codec UNCOMPRESSED; PLAIN encoding (little-endian values back to back) by default,
 *   a page's data then the caller's typed array itself, written without a copy;
 * - three cheap encodings where the values allow (ParquetEncoding): DELTA_BINARY_PACKED
 *   for a sequence (all deltas 1: every bit width 0, 5 bytes a block of 128 values),
 *   RLE_DICTIONARY for runs of equal values (a dictionary page, then one RLE run per
 *   run), and RLE_DICTIONARY for every uint8 column (a dictionary of the 256 values, the
 *   indices one bit-packed run of bit width 8, which is the bytes themselves);
 * - one data page (version 1) per column chunk, after the dictionary page if any, one
 *   column chunk per column per row group; no statistics, no page index.
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
 * a Uint8Array, dictionary-encoded as above). DuckDB reads them back as BIGINT, INTEGER,
 * UINTEGER and UTINYINT (test/parquet-writer.test.ts).
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

/**
 * How an 'int64' column's values are laid out (other kinds ignore it; 'uint8' is always
 * dictionary-encoded, see below):
 * - 'plain' (default): PLAIN, the caller's array written as it is;
 * - 'sequence': DELTA_BINARY_PACKED when the row group's values are consecutive
 *   (v[i] = v[0] + i, as raw_events.id is), a few bytes a block of 128 values; PLAIN otherwise;
 * - 'runs': RLE_DICTIONARY, a dictionary of the values of the row group's runs of equal
 *   values and one RLE run per run (raw_events.tid is one run per chunk); PLAIN when the
 *   runs are too short for that to pay.
 */
export type ParquetEncoding = 'plain' | 'sequence' | 'runs';

export interface ParquetColumn {
  name: string;
  kind: ParquetColumnKind;
  encoding?: ParquetEncoding;
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
const ENCODING_DELTA_BINARY_PACKED = 5;
const ENCODING_RLE_DICTIONARY = 8;
const CODEC_UNCOMPRESSED = 0;
const PAGE_DATA = 0;
const PAGE_DICTIONARY = 2;

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
    this.len = putVarint(this.buf, this.len, n);
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
  /** Offset of the data page (after the dictionary page, if any). */
  dataOffset: number;
  /** Offset of the dictionary page, or -1. */
  dictOffset: number;
  encodings: number[];
}

/** One column chunk's pages, before they are written. */
interface EncodedChunk {
  /** Dictionary page values (PLAIN) and their count, or null. */
  dict: { values: Uint8Array; count: number } | null;
  /** The data page's values section, in parts. */
  data: Uint8Array[];
  dataBytes: number;
  encoding: number;
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
  /** Per column, the buffer its encoded pages are built in (reused row group after row group). */
  private readonly scratch: (Uint8Array | undefined)[] = [];

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
    for (let c = 0; c < this.columns.length; c++) {
      const col = this.columns[c]!;
      const arr = data[c]!;
      if (arr.length < rows) throw new Error(`parquet: column ${col.name} has ${arr.length} values, the row group ${rows}`);
      const enc = this.encode(c, col, arr, rows);
      const chunkStart = at;
      let dictOffset = -1;
      if (enc.dict) {
        const header = pageHeader(PAGE_DICTIONARY, enc.dict.values.length, (w) =>
          w.struct(7, (d) => d.i32(1, enc.dict!.count).i32(2, ENCODING_PLAIN)),
        );
        parts.push(header, enc.dict.values);
        dictOffset = at;
        at += header.length + enc.dict.values.length;
      }
      const dataOffset = at;
      const header = pageHeader(PAGE_DATA, enc.dataBytes, (w) =>
        w.struct(5, (d) => d.i32(1, rows).i32(2, enc.encoding).i32(3, ENCODING_RLE).i32(4, ENCODING_RLE)),
      );
      parts.push(header, ...enc.data);
      at += header.length + enc.dataBytes;
      const encodings = enc.dict ? [ENCODING_PLAIN, ENCODING_RLE, ENCODING_RLE_DICTIONARY] : [enc.encoding, ENCODING_RLE];
      chunks.push({ offset: chunkStart, bytes: at - chunkStart, dataOffset, dictOffset, encodings });
    }
    this.write(parts);
    this.groups.push({ rows, offset: start, bytes: at - start, chunks });
    this.rows += rows;
  }

  /** Column `c`'s values as pages; any buffer made here is the column's scratch, good until the next row group. */
  private encode(c: number, col: ParquetColumn, arr: ParquetColumnData, rows: number): EncodedChunk {
    if (col.kind === 'uint8') return this.encodeBytes(c, arr as Uint8Array, rows);
    const width = col.kind === 'int64' ? 8 : 4;
    if (arr.BYTES_PER_ELEMENT !== width) throw new Error(`parquet: column ${col.name} (${col.kind}) needs ${width}-byte values`);
    if (col.kind === 'int64' && col.encoding === 'sequence') {
      const enc = this.encodeSequence(c, arr as BigInt64Array, rows);
      if (enc) return enc;
    }
    if (col.kind === 'int64' && col.encoding === 'runs') {
      const enc = this.encodeRuns(c, arr as BigInt64Array, rows);
      if (enc) return enc;
    }
    const values = new Uint8Array(arr.buffer, arr.byteOffset, rows * width);
    return { dict: null, data: [values], dataBytes: values.length, encoding: ENCODING_PLAIN };
  }

  private scratchFor(c: number, bytes: number): Uint8Array {
    let b = this.scratch[c];
    if (!b || b.length < bytes) {
      b = new Uint8Array(Math.max(bytes, 1024));
      this.scratch[c] = b;
    }
    return b;
  }

  /**
   * A uint8 column: RLE_DICTIONARY over a dictionary of all 256 values (index = value),
   * its indices one bit-packed run of bit width 8, in which a value is its own byte: the
   * caller's bytes are written as they are (1 byte a value, where PLAIN INT32 takes 4).
   */
  private encodeBytes(c: number, arr: Uint8Array, rows: number): EncodedChunk {
    const groups = Math.ceil(rows / 8);
    const head = this.scratchFor(c, 16);
    head[0] = 8; // bit width
    const n = putVarint(head, 1, groups * 2 + 1); // bit-packed run of `groups` groups of 8
    const pad = groups * 8 - rows;
    const data = [head.subarray(0, n), arr.subarray(0, rows)];
    if (pad > 0) data.push(ZEROS.subarray(0, pad));
    return { dict: { values: BYTE_DICTIONARY, count: 256 }, data, dataBytes: n + groups * 8, encoding: ENCODING_RLE_DICTIONARY };
  }

  /**
   * DELTA_BINARY_PACKED when v[i] = v[0] + i for every row (|v[0]| < 2^51): blocks of 128
   * deltas in 4 miniblocks, each block's minimum delta 1 and every bit width 0, so a block
   * is 5 bytes. Null when the values are not such a sequence.
   */
  private encodeSequence(c: number, arr: BigInt64Array, rows: number): EncodedChunk | null {
    const u = new Uint32Array(arr.buffer, arr.byteOffset, rows * 2);
    const hi0 = u[1]!;
    // v[0] in [0, 2^51) and no value past 2^51 (hi below 2^19): the sums below are exact doubles.
    if (hi0 >= 0x80000 || u[2 * rows - 1]! >= 0x80000) return null;
    const first = u[0]! + hi0 * 4294967296;
    for (let i = 1; i < rows; i++) if (u[2 * i]! + u[2 * i + 1]! * 4294967296 !== first + i) return null;
    const blocks = Math.ceil((rows - 1) / 128);
    const head = this.scratchFor(c, 40);
    let n = putVarint(head, 0, 128); // values per block
    n = putVarint(head, n, 4); // miniblocks per block
    n = putVarint(head, n, rows);
    n = putVarint(head, n, first * 2); // zigzag of a non-negative value
    const body = sequenceBlocks(blocks);
    return { dict: null, data: [head.subarray(0, n), body], dataBytes: n + body.length, encoding: ENCODING_DELTA_BINARY_PACKED };
  }

  /**
   * RLE_DICTIONARY over the runs of equal values: the dictionary holds each distinct run
   * value once (PLAIN INT64), the indices are one RLE run per run. Null when the runs
   * are short (more than one per 8 rows) or the dictionary large: PLAIN then.
   */
  private encodeRuns(c: number, arr: BigInt64Array, rows: number): EncodedChunk | null {
    const u = new Uint32Array(arr.buffer, arr.byteOffset, rows * 2);
    const maxRuns = Math.max(1, rows >>> 3);
    // A first pass that only counts the runs: a column of mostly distinct values is given
    // up on within its first rows, before any dictionary work.
    let runs = 1;
    for (let i = 1; i < rows; i++) {
      if (u[2 * i] !== u[2 * i - 2] || u[2 * i + 1] !== u[2 * i - 1]) {
        if (++runs > maxRuns) return null;
      }
    }
    const runLen: number[] = [];
    const runIdx: number[] = [];
    const index = new Map<number | string, number>();
    const dictLo: number[] = [];
    const dictHi: number[] = [];
    let lo = u[0]!;
    let hi = u[1]!;
    let runStart = 0;
    const close = (end: number): void => {
      // keys below 2^53 as numbers, larger ones (hi of 2^21 on) as text
      const key = hi < 0x200000 ? hi * 4294967296 + lo : `${hi}:${lo}`;
      let k = index.get(key);
      if (k === undefined) {
        k = dictLo.length;
        index.set(key, k);
        dictLo.push(lo);
        dictHi.push(hi);
      }
      runLen.push(end - runStart);
      runIdx.push(k);
    };
    for (let i = 1; i < rows; i++) {
      const l = u[2 * i]!;
      const h = u[2 * i + 1]!;
      if (l !== lo || h !== hi) {
        close(i);
        lo = l;
        hi = h;
        runStart = i;
      }
    }
    close(rows);
    const d = dictLo.length;
    const bitWidth = Math.max(1, 32 - Math.clz32(d - 1));
    const valueBytes = (bitWidth + 7) >>> 3;
    const dictBytes = d * 8;
    const out = this.scratchFor(c, dictBytes + 1 + runLen.length * (5 + valueBytes));
    const dw = new Uint32Array(out.buffer, out.byteOffset, d * 2);
    for (let k = 0; k < d; k++) {
      dw[2 * k] = dictLo[k]!;
      dw[2 * k + 1] = dictHi[k]!;
    }
    let n = dictBytes;
    out[n++] = bitWidth;
    for (let r = 0; r < runLen.length; r++) {
      n = putVarint(out, n, runLen[r]! * 2); // an RLE run: length << 1, then the value
      let v = runIdx[r]!;
      for (let b = 0; b < valueBytes; b++, v >>>= 8) out[n++] = v & 0xff;
    }
    return {
      dict: { values: out.subarray(0, dictBytes), count: d },
      data: [out.subarray(dictBytes, n)],
      dataBytes: n - dictBytes,
      encoding: ENCODING_RLE_DICTIONARY,
    };
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
                cc.i64(2, ch.offset).struct(3, (m) => {
                  m.i32(1, col.kind === 'int64' ? TYPE_INT64 : TYPE_INT32)
                    .listI32(2, ch.encodings)
                    .listString(3, [col.name])
                    .i32(4, CODEC_UNCOMPRESSED)
                    .i64(5, rg.rows)
                    .i64(6, ch.bytes)
                    .i64(7, ch.bytes)
                    .i64(9, ch.dataOffset);
                  if (ch.dictOffset >= 0) m.i64(11, ch.dictOffset);
                });
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

/** A page header: type, sizes (uncompressed = compressed) and the type's own header written by `body`. */
function pageHeader(type: number, bytes: number, body: (w: CompactWriter) => void): Buffer {
  return new CompactWriter()
    .structBody((w) => {
      w.i32(1, type).i32(2, bytes).i32(3, bytes);
      body(w);
    })
    .bytes();
}

/** Writes `n` (a non-negative integer below 2^53) as an unsigned LEB128 varint at `at`; returns the end. */
function putVarint(buf: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[at++] = n;
  return at;
}

/** The 256 INT32 values 0..255, PLAIN: the dictionary of a uint8 column. */
const BYTE_DICTIONARY = new Uint8Array(Int32Array.from({ length: 256 }, (_, i) => i).buffer);
const ZEROS = new Uint8Array(8);

let sequenceBody = new Uint8Array(0);
/** `blocks` DELTA_BINARY_PACKED blocks of deltas that are all 1: min delta zigzag(1) = 2, four bit widths 0. */
function sequenceBlocks(blocks: number): Uint8Array {
  if (sequenceBody.length < blocks * 5) {
    sequenceBody = new Uint8Array(Math.max(blocks, 1024) * 5);
    for (let i = 0; i < sequenceBody.length; i += 5) sequenceBody[i] = 2;
  }
  return sequenceBody.subarray(0, blocks * 5);
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
