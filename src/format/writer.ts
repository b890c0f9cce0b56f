/**
 * A TypeScript writer of the binary trace format, byte-compatible with the C
 * emitters (same record layout from the generated KINDS table, same checks).
 * Used by `mpstrace synth` and by unit tests that need a trace with known content.
 * It writes the current version (with its file end) unless told to write an
 * older major version (tests of the reader's compatibility).
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { checksFor, type CheckFns } from './checksum.js';
import {
  CHUNK_HEADER,
  CONTAINER,
  ENUMS,
  FILE_END,
  FILE_HEADER,
  FLAGS,
  FORMAT_VERSION,
  KIND_BY_NAME,
  STRING_KIND,
  type KindDef,
} from './kinds.js';

const FH = FILE_HEADER.fields;
const CH = CHUNK_HEADER.fields;
const FE = FILE_END.fields;

export type FieldValue = number | bigint | string | boolean;
export type BackendName = 'cuda' | 'metal' | 'none' | 'synthetic';

export interface TraceWriterOptions {
  backend: BackendName;
  /** Header flag `synthetic`; defaults to true for backend 'synthetic'. */
  synthetic?: boolean;
  pid?: number;
  ppid?: number;
  /** Power of two, 4096..64 MiB. Default 65536. */
  chunkBytes?: number;
  t0Ns?: number;
  realtimeNs?: number;
  /** Header flag `closed` (the recorder shut down cleanly). Default true. */
  closed?: boolean;
  clock?: 'monotonic' | 'uptime_raw' | 'synthetic';
  /** Thread whose chunks hold `string()` and `callsite()` records. Default 1. */
  metaTid?: number;
  /** Override the header version (tests of newer-version handling); major 1 writes version-1 checks and no file end. */
  version?: { major: number; minor: number };
  /** Write the version-2 file end (chunk table). Default: when `closed` (a killed recorder leaves none). */
  fileEnd?: boolean;
  /** Appending to an existing trace: the first chunk's index, the next free string id and each thread's next chunk sequence number. */
  append?: { firstChunk: number; firstStringId: number; threadSeq: Map<number, number> };
}

interface OpenChunk {
  tid: number;
  index: number;
  seq: number;
  buf: Buffer;
  u32: Uint32Array;
  pos: number;
  records: number;
}

/** What a chunk held when the file was closed: the chunk_entry of the file end. */
export interface ChunkEntry {
  records: number;
  usedBytes: number;
}

const TWO32 = 4294967296;
const MAX_STRING_BYTES = (CONTAINER.maxRecordWords - 3) * 8;

/** writeSync until every byte is out (a short write is not an error). */
function writeAll(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, position + done);
}

function splitU64(v: number | bigint): [number, number] {
  if (typeof v === 'bigint') {
    const u = BigInt.asUintN(64, v);
    return [Number(u & 0xffffffffn), Number(u >> 32n)];
  }
  if (!Number.isFinite(v)) throw new TypeError(`not a finite number: ${v}`);
  const hi = Math.floor(v / TWO32);
  return [(v - hi * TWO32) >>> 0, hi >>> 0];
}

const fieldNameSets = new Map<KindDef, Set<string>>();
function fieldNames(def: KindDef): Set<string> {
  let s = fieldNameSets.get(def);
  if (!s) fieldNameSets.set(def, (s = new Set(def.fields.map((f) => f.name))));
  return s;
}

export class TraceWriter {
  readonly chunkBytes: number;
  private readonly opts: TraceWriterOptions;
  private readonly finished: Buffer[] = [];
  private readonly entries: ChunkEntry[] = [];
  private readonly checks: CheckFns;
  private readonly open = new Map<number, OpenChunk>();
  private readonly threadSeq = new Map<number, number>();
  private readonly strings = new Map<string, number>();
  private nextChunk = 0;
  /** Set by streamTo: closed chunks go straight to this file at their offsets. */
  private fd: number | null = null;
  private nextSite = 1;
  private lastTs = 0;
  /** Records written so far (string records included). */
  records = 0;

  constructor(opts: TraceWriterOptions) {
    const chunkBytes = opts.chunkBytes ?? 65536;
    if (chunkBytes < CONTAINER.minChunkBytes || chunkBytes > CONTAINER.maxChunkBytes || (chunkBytes & (chunkBytes - 1)) !== 0) {
      throw new RangeError(
        `chunkBytes must be a power of two from ${CONTAINER.minChunkBytes} to ${CONTAINER.maxChunkBytes}, got ${chunkBytes}`,
      );
    }
    if (!(opts.backend in ENUMS.backend!)) throw new RangeError(`unknown backend '${opts.backend}'`);
    this.chunkBytes = chunkBytes;
    this.opts = opts;
    this.checks = checksFor((opts.version ?? FORMAT_VERSION).major);
    if (opts.append) {
      this.nextChunk = opts.append.firstChunk;
      for (const [tid, seq] of opts.append.threadSeq) this.threadSeq.set(tid, seq);
    }
  }

  /** Interns `text` and returns its id (1..); writes a `string` record the first time. */
  string(text: string): number {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    const id = this.strings.size + (this.opts.append?.firstStringId ?? 1);
    this.strings.set(text, id);
    let bytes = Buffer.from(text, 'utf8');
    if (bytes.length > MAX_STRING_BYTES) bytes = bytes.subarray(0, MAX_STRING_BYTES);
    const words = 3 + Math.ceil(bytes.length / 8);
    const c = this.reserve(this.opts.metaTid ?? 1, words);
    const at = c.pos;
    c.u32[at / 4 + 4] = id;
    c.u32[at / 4 + 5] = bytes.length;
    bytes.copy(c.buf, at + 24);
    this.finishRecord(c, STRING_KIND, words, 0, this.lastTs);
    return id;
  }

  /** Writes a `callsite` record and returns the new call-site id. */
  callsite(symbol: string, module: string, addr: number | bigint, offset: number | bigint = 0): number {
    const siteId = this.nextSite++;
    this.record(this.opts.metaTid ?? 1, 'callsite', this.lastTs, { site_id: siteId, symbol, module, addr, offset });
    return siteId;
  }

  /**
   * Writes one record of schema kind `kind` on thread `tid`. `str` fields take JS
   * strings (interned) or ids, enum fields take names or codes, missing fields are 0.
   */
  record(tid: number, kind: string, ts: number | bigint, fields: Record<string, FieldValue> = {}, site = 0): void {
    const def = KIND_BY_NAME.get(kind);
    if (!def) throw new RangeError(`unknown record kind '${kind}'`);
    if (def.variable) throw new RangeError(`use string() to write '${kind}' records`);
    for (const name in fields) {
      if (!fieldNames(def).has(name)) throw new RangeError(`kind '${kind}' has no field '${name}'`);
    }
    // Intern strings before reserving space: interning may write a record itself.
    const values: (number | bigint)[] = def.fields.map((f) => this.fieldValue(def, f.name, f.type, f.enum, fields[f.name]));
    const c = this.reserve(tid, def.words);
    const at = c.pos;
    def.fields.forEach((f, i) => {
      const v = values[i]!;
      const off = at + f.offset;
      switch (f.bytes) {
        case 1:
          c.buf[off] = Number(v) & 0xff;
          break;
        case 2:
          c.buf.writeUInt16LE(Number(v) & 0xffff, off);
          break;
        case 4:
          c.u32[off / 4] = typeof v === 'number' ? v >>> 0 : Number(BigInt.asUintN(32, v));
          break;
        default: {
          const [lo, hi] = splitU64(v);
          c.u32[off / 4] = lo;
          c.u32[off / 4 + 1] = hi;
        }
      }
    });
    this.finishRecord(c, def.id, def.words, site, ts);
  }

  /**
   * Writes a record of any kind id with raw payload words, e.g. a kind from a
   * newer writer that this version does not know. `payload` is 8-byte words.
   */
  recordRaw(tid: number, kindId: number, ts: number | bigint, payload: (number | bigint)[] = [], site = 0): void {
    const words = 2 + payload.length;
    if (kindId < 1 || kindId > 255 || words > CONTAINER.maxRecordWords) throw new RangeError('kind id or size out of range');
    const c = this.reserve(tid, words);
    payload.forEach((w, i) => {
      const [lo, hi] = splitU64(w);
      c.u32[c.pos / 4 + 4 + 2 * i] = lo;
      c.u32[c.pos / 4 + 5 + 2 * i] = hi;
    });
    this.finishRecord(c, kindId, words, site, ts);
  }

  private fieldValue(def: KindDef, name: string, type: string, enumName: string | undefined, v: FieldValue | undefined): number | bigint {
    if (v === undefined) return 0;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'string') {
      if (type === 'str') return this.string(v);
      if (enumName) {
        const code = ENUMS[enumName]?.[v];
        if (code === undefined) throw new RangeError(`${def.name}.${name}: '${v}' is not a value of enum ${enumName}`);
        return code;
      }
      throw new TypeError(`${def.name}.${name} is ${type}; got the string '${v}'`);
    }
    return v;
  }

  private reserve(tid: number, words: number): OpenChunk {
    const bytes = words * 8;
    if (bytes > this.chunkBytes - CONTAINER.chunkHeaderBytes) throw new RangeError('record larger than a chunk');
    let c = this.open.get(tid);
    if (c && c.pos + bytes > this.chunkBytes) {
      this.closeChunk(c);
      c = undefined;
    }
    if (!c) {
      const seq = this.threadSeq.get(tid) ?? 0;
      this.threadSeq.set(tid, seq + 1);
      const buf = Buffer.alloc(this.chunkBytes);
      c = {
        tid,
        index: this.nextChunk++,
        seq,
        buf,
        u32: new Uint32Array(buf.buffer, buf.byteOffset, this.chunkBytes / 4),
        pos: CONTAINER.chunkHeaderBytes,
        records: 0,
      };
      this.open.set(tid, c);
    }
    return c;
  }

  private finishRecord(c: OpenChunk, kindId: number, words: number, site: number, ts: number | bigint): void {
    const w = c.pos / 4;
    const [tsLo, tsHi] = splitU64(ts);
    c.u32[w + 2] = tsLo;
    c.u32[w + 3] = tsHi;
    c.u32[w] = kindId | (words << 8);
    c.u32[w + 1] = site >>> 0;
    const check = this.checks.header(c.u32, w, words * 2);
    c.u32[w] = (kindId | (words << 8) | (check << 16)) >>> 0;
    c.pos += words * 8;
    c.records++;
    this.records++;
    if (typeof ts === 'number') this.lastTs = ts;
    else this.lastTs = Number(ts);
  }

  private closeChunk(c: OpenChunk): void {
    const u = c.u32;
    u.fill(0, 0, CHUNK_HEADER.bytes >>> 2);
    u[CH.magic.offset >>> 2] = CONTAINER.chunkMagic;
    u[CH.index.offset >>> 2] = c.index;
    const [lo, hi] = splitU64(c.tid);
    u[CH.tid.offset >>> 2] = lo;
    u[(CH.tid.offset >>> 2) + 1] = hi;
    u[CH.thread_seq.offset >>> 2] = c.seq;
    u[CH.check.offset >>> 2] = this.checks.header(u, 0, CHUNK_HEADER.bytes >>> 2);
    this.entries[c.index] = { records: c.records, usedBytes: c.pos };
    this.open.delete(c.tid);
    if (this.fd !== null) {
      writeAll(this.fd, c.buf, CONTAINER.fileHeaderBytes + c.index * this.chunkBytes);
      return;
    }
    this.finished[c.index] = c.buf;
  }

  private header(): Buffer {
    const o = this.opts;
    const h = Buffer.alloc(CONTAINER.fileHeaderBytes);
    h.write(CONTAINER.fileMagic, FH.magic.offset, 'latin1');
    const v = o.version ?? FORMAT_VERSION;
    h.writeUInt16LE(v.major, FH.version_major.offset);
    h.writeUInt16LE(v.minor, FH.version_minor.offset);
    h.writeUInt32LE(CONTAINER.fileHeaderBytes, FH.header_bytes.offset);
    h.writeUInt32LE(this.chunkBytes, FH.chunk_bytes.offset);
    const synthetic = o.synthetic ?? o.backend === 'synthetic';
    h.writeUInt32LE((synthetic ? FLAGS.file.synthetic : 0) | ((o.closed ?? true) ? FLAGS.file.closed : 0), FH.flags.offset);
    h.writeUInt32LE(o.pid ?? 4242, FH.pid.offset);
    h.writeUInt32LE(o.ppid ?? 1, FH.ppid.offset);
    h.writeUInt8(ENUMS.backend![o.backend]!, FH.backend.offset);
    h.writeUInt8(ENUMS.clock![o.clock ?? (synthetic ? 'synthetic' : 'monotonic')]!, FH.clock.offset);
    h.writeBigInt64LE(BigInt(o.t0Ns ?? 0), FH.t0_ns.offset);
    h.writeBigInt64LE(BigInt(o.realtimeNs ?? 0), FH.realtime_ns.offset);
    const u = new Uint32Array(h.buffer, h.byteOffset, CONTAINER.fileHeaderBytes >>> 2);
    h.writeUInt32LE(this.checks.header(u, 0, CONTAINER.fileHeaderBytes >>> 2), FH.check.offset);
    return h;
  }

  private writesEnd(): boolean {
    const major = (this.opts.version ?? FORMAT_VERSION).major;
    return major >= CONTAINER.crcFromMajor && (this.opts.fileEnd ?? this.opts.closed ?? true);
  }

  /** Closes every open chunk (further records start new ones) and returns the parts in file order. */
  private parts(): Buffer[] {
    for (const c of [...this.open.values()]) this.closeChunk(c);
    const parts = [this.header(), ...this.finished];
    if (this.writesEnd()) parts.push(fileEnd(this.entries, this.checks));
    return parts;
  }

  /** The chunks only, in file order (no file header): what an append adds after the existing chunks. */
  chunkBuffers(): Buffer[] {
    for (const c of [...this.open.values()]) this.closeChunk(c);
    return this.finished.filter((b) => b !== undefined);
  }

  /** The chunk entries of the chunks written (after chunkBuffers()), in file order. */
  chunkEntries(): ChunkEntry[] {
    return this.entries.filter((e) => e !== undefined);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts());
  }

  /**
   * From now on, writes each chunk to `path` as soon as it is full (at its offset
   * in the file), so memory holds only the open chunk of each thread, however
   * large the trace. finish() writes the rest and the file header.
   */
  streamTo(path: string): void {
    if (this.fd !== null) throw new Error('streamTo called twice');
    if (this.opts.append) throw new Error('streamTo does not append');
    this.fd = openSync(path, 'w');
    this.finished.forEach((buf, index) => {
      if (buf) writeAll(this.fd!, buf, CONTAINER.fileHeaderBytes + index * this.chunkBytes);
    });
    this.finished.length = 0;
  }

  /** Ends a streamTo file: closes the open chunks, writes the file end, then the header last (a cut file has none) and closes it. */
  finish(): void {
    if (this.fd === null) throw new Error('finish() without streamTo()');
    const fd = this.fd;
    try {
      for (const c of [...this.open.values()]) this.closeChunk(c);
      if (this.writesEnd()) writeAll(fd, fileEnd(this.entries, this.checks), CONTAINER.fileHeaderBytes + this.nextChunk * this.chunkBytes);
      writeAll(fd, this.header(), 0);
    } finally {
      this.fd = null;
      closeSync(fd);
    }
  }

  /** Writes the file chunk by chunk (no second copy of a large trace in memory). */
  writeFile(path: string): void {
    const fd = openSync(path, 'w');
    try {
      for (const p of this.parts()) writeSync(fd, p);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * The version-2 file end: the chunk table (one entry per chunk, in order) and
 * the FILE_END trailer that checks it. `entries` covers every chunk of the file.
 */
export function fileEnd(entries: ChunkEntry[], checks: CheckFns): Buffer {
  const eb = CONTAINER.chunkEntryBytes;
  const out = Buffer.alloc(entries.length * eb + CONTAINER.fileEndBytes);
  const u = new Uint32Array(out.buffer, out.byteOffset, out.length >>> 2);
  let records = 0;
  entries.forEach((e, k) => {
    u[2 * k] = e.records;
    u[2 * k + 1] = e.usedBytes;
    records += e.records;
  });
  const t = entries.length * eb;
  out.write(CONTAINER.endMagic, t + FE.magic.offset, 'latin1');
  out.writeUInt32LE(entries.length, t + FE.chunks.offset);
  out.writeUInt32LE(checks.header(u, 0, entries.length * 2), t + FE.table_check.offset);
  out.writeBigUInt64LE(BigInt(records), t + FE.records.offset);
  out.writeUInt32LE(checks.header(u, t >>> 2, CONTAINER.fileEndBytes >>> 2), t + FE.check.offset);
  return out;
}
