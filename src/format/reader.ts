/**
 * Streaming, allocation-bounded decoder of the binary trace format.
 *
 * It reads the file in blocks of whole chunks, checks every record, and fills
 * column batches (typed arrays, 64-bit columns copied as u32 halves, so no BigInt
 * on the hot path) that the loader hands to DuckDB's appender. Damage never
 * throws: a torn tail, a bad chunk header, a record whose check fails, non-zero
 * bytes after a chunk's end marker, or a kind this version does not know becomes
 * a warning with its byte offset, and reading goes on. A version-2 file ends with
 * a chunk table that says how many records each chunk held when the recorder
 * closed it; every chunk is held against it, so records lost to zeroed or
 * damaged bytes are counted, and a file without that end (cut, or its recorder
 * killed) is reported. Only an unusable file header (empty file, wrong magic,
 * newer major version, sizes out of range) is an error.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import { checksFor, type CheckFns } from './checksum.js';
import {
  CHUNK_HEADER,
  CONTAINER,
  FILE_END,
  FILE_HEADER,
  FLAGS,
  FORMAT_VERSION,
  KIND_BY_ID,
  KNOWN_WORDS,
  NS_PAYLOAD_MASK,
  NS_PAYLOAD_WORDS,
  STRING_KIND,
  enumName,
} from './kinds.js';

const FH = FILE_HEADER.fields;
const CH = CHUNK_HEADER.fields;
const FE = FILE_END.fields;

export interface TraceWarning {
  code: string;
  message: string;
  offset?: number;
}

export interface FileHeader {
  major: number;
  minor: number;
  headerBytes: number;
  chunkBytes: number;
  flags: number;
  synthetic: boolean;
  closedCleanly: boolean;
  pid: number;
  ppid: number;
  backend: string;
  clock: string;
  t0Ns: bigint;
  realtimeNs: bigint;
  checkOk: boolean;
}

/** A version-2 file's end: how many chunks it has and, per chunk, [records, used_bytes]. */
export interface FileEnd {
  chunks: number;
  records: number;
  /** Two u32 per chunk (the chunk_entry layout); null when the table's check failed. */
  table: Uint32Array | null;
}

/**
 * One batch of decoded records, column by column (the `raw_events` layout).
 * The arrays are reused by the next batch: copy what you keep.
 */
export interface EventBatch {
  count: number;
  id: BigInt64Array;
  ts: BigInt64Array;
  tid: BigInt64Array;
  kind: Uint8Array;
  site: Uint32Array;
  p: [BigInt64Array, BigInt64Array, BigInt64Array, BigInt64Array, BigInt64Array];
}

export interface ReadStats {
  records: number;
  strings: number;
  chunks: number;
  unusedChunks: number;
  badChunks: number;
  badRecords: number;
  /** Records whose timestamp was impossible (kept with the previous record's time). */
  badTimestamps: number;
  /** Records skipped because their kind is unknown to this version, by kind id. */
  unknownKinds: Map<number, number>;
  /** Decoded records per kind id (string records included). */
  byKind: Float64Array;
  /** Records the file end lists that were not found (zeroed or damaged bytes), counted exactly. */
  recordsMissing: number;
  /** Checked records found in skipped places (chunks with a bad or zeroed header). */
  recordsSkipped: number;
}

interface Source {
  size: number;
  /** Modification time of the file (0 for a buffer), from the one fstat at open. */
  mtimeMs: number;
  read(into: Uint8Array, length: number, position: number): number;
  close(): void;
}

/** Most warnings of one code kept in full; the rest are counted in one summary warning. */
const MAX_WARNINGS_PER_CODE = 20;
/**
 * Bytes read at a time (whole chunks). 4 MB: a fresh buffer's first read costs a page
 * fault per 4 KB page (about 50 ms for 16 MB on the 2-core VM, at the start of every load,
 * before the first batch); the larger reads saved nothing measurable.
 */
const TARGET_BLOCK_BYTES = 4 << 20;
export const DEFAULT_BATCH_ROWS = 1 << 16;

const utf8 = new TextDecoder('utf-8');

/** Index of the first non-zero word in u32[from, to), or -1. */
function firstNonZero(u32: Uint32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (u32[i] !== 0) return i;
  return -1;
}

export class TraceReader {
  readonly header: FileHeader;
  readonly fileBytes: number;
  readonly mtimeMs: number;
  readonly strings = new Map<number, string>();
  readonly stats: ReadStats = {
    records: 0,
    strings: 0,
    chunks: 0,
    unusedChunks: 0,
    badChunks: 0,
    badRecords: 0,
    badTimestamps: 0,
    unknownKinds: new Map(),
    byKind: new Float64Array(256),
    recordsMissing: 0,
    recordsSkipped: 0,
  };
  /** The version-2 file end, once batches() has looked for it (null: none, or version 1). */
  fileEnd: FileEnd | null = null;
  private checks!: CheckFns;
  /** Version 2 with a minor this reader knows: every record has its kind's exact size. */
  private strictSizes = false;
  private readonly warningList: TraceWarning[] = [];
  private readonly warningCounts = new Map<string, number>();
  private readonly threadChunks = new Map<string, { count: number; maxSeq: number }>();
  private tornTail = false;
  private t0Lo = 0;
  private t0Hi = 0;
  private done = false;
  private closed = false;

  private constructor(
    private readonly src: Source,
    readonly name: string,
  ) {
    this.fileBytes = src.size;
    this.mtimeMs = src.mtimeMs;
    this.header = this.readHeader();
    // The chunk's first record falls back to t0 when its own time is damaged (t0 is in range).
    const t0ok = this.header.t0Ns >= -(1n << 62n) && this.header.t0Ns < 1n << 62n;
    const t0 = t0ok ? BigInt.asUintN(64, this.header.t0Ns) : 0n;
    this.t0Lo = Number(t0 & 0xffffffffn);
    this.t0Hi = Number(t0 >> 32n);
  }

  /** Opens a trace file; a missing path, a directory or an unusable header is a UserError. */
  static open(path: string): TraceReader {
    let fd: number;
    try {
      // O_NONBLOCK: opening a FIFO without a writer returns at once (then fstat refuses it) instead of hanging.
      fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM')
        throw new UserError(`${path}: permission denied; make the trace readable (chmod) or copy it somewhere you can read`);
      if (code === 'EISDIR') throw new UserError(`${path}: is a directory, not a trace file; give the path of a .mpst file`);
      throw new UserError(`${path}: no such file; give the path of a trace written by \`mpstrace record\` or \`mpstrace synth\``);
    }
    // One fstat gives the size, the mtime (cache checks) and the directory test.
    const st = fstatSync(fd);
    if (st.isDirectory()) {
      closeSync(fd);
      throw new UserError(`${path}: is a directory, not a trace file; give the path of a .mpst file`);
    }
    if (!st.isFile()) {
      closeSync(fd);
      throw new UserError(`${path}: is not a regular file (a FIFO, socket or device); copy the trace to a regular file and give its path`);
    }
    const src: Source = {
      size: st.size,
      mtimeMs: st.mtimeMs,
      read: (into, length, position) => {
        let got = 0;
        while (got < length) {
          const n = readSync(fd, into, got, length - got, position + got);
          if (n <= 0) break;
          got += n;
        }
        return got;
      },
      close: () => closeSync(fd),
    };
    try {
      return new TraceReader(src, path);
    } catch (e) {
      src.close();
      throw e;
    }
  }

  /** Decodes an in-memory trace (tests, fuzzing). */
  static fromBuffer(buf: Uint8Array, name = '<buffer>'): TraceReader {
    return new TraceReader(
      {
        size: buf.length,
        mtimeMs: 0,
        read: (into, length, position) => {
          const n = Math.max(0, Math.min(length, buf.length - position));
          into.set(buf.subarray(position, position + n), 0);
          return n;
        },
        close: () => {},
      },
      name,
    );
  }

  get warnings(): TraceWarning[] {
    const out = [...this.warningList];
    for (const [code, n] of this.warningCounts) {
      if (n > MAX_WARNINGS_PER_CODE) out.push({ code, message: `${n - MAX_WARNINGS_PER_CODE} more '${code}' warnings not shown` });
    }
    return out;
  }

  /** Closes the file; a second call does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.src.close();
  }

  private warn(code: string, message: string, offset?: number): void {
    const n = (this.warningCounts.get(code) ?? 0) + 1;
    this.warningCounts.set(code, n);
    if (n <= MAX_WARNINGS_PER_CODE) this.warningList.push(offset === undefined ? { code, message } : { code, message, offset });
  }

  private readHeader(): FileHeader {
    const size = this.src.size;
    const where = this.name;
    if (size === 0)
      throw new UserError(`${where}: empty file (0 bytes), not a trace. Was the recorder killed before it started? Record again.`);
    const hb = CONTAINER.fileHeaderBytes;
    const h = new Uint8Array(hb);
    const got = this.src.read(h, Math.min(hb, size), 0);
    const magic = Buffer.from(h.subarray(0, 8)).toString('latin1');
    if (got < hb && CONTAINER.fileMagic.startsWith(magic.slice(0, Math.min(got, 8)))) {
      throw new UserError(
        `${where}: file is ${size} bytes, shorter than the ${hb}-byte trace header; it was cut off before the header was complete.`,
      );
    }
    if (magic !== CONTAINER.fileMagic) {
      const printable = /^[\x20-\x7e]*$/.test(magic);
      const shown = printable ? `'${magic.slice(0, got)}'` : `bytes ${Buffer.from(h.subarray(0, Math.min(8, got))).toString('hex')}`;
      const hint = magic.startsWith('MPST')
        ? 'The magic is damaged or from another tool; the file is not usable as a trace.'
        : 'Give a file written by `mpstrace record` or `mpstrace synth` (.mpst).';
      throw new UserError(`${where}: not an mpstrace trace: offset 0 holds ${shown}, expected '${CONTAINER.fileMagic}'. ${hint}`);
    }
    if (got < hb)
      throw new UserError(
        `${where}: file is ${size} bytes, shorter than the ${hb}-byte trace header; it was cut off before the header was complete.`,
      );
    const dv = new DataView(h.buffer);
    const major = dv.getUint16(FH.version_major.offset, true);
    const minor = dv.getUint16(FH.version_minor.offset, true);
    if (major > FORMAT_VERSION.major) {
      throw new UserError(
        `${where}: trace format version ${major}.${minor} is newer than this mpstrace reads (${FORMAT_VERSION.major}.${FORMAT_VERSION.minor}); upgrade mpstrace to read it.`,
      );
    }
    if (major < 1)
      throw new UserError(
        `${where}: trace format version ${major}.${minor} at offset ${FH.version_major.offset} is not a valid version (this mpstrace reads ${FORMAT_VERSION.major}.x); the header is corrupt.`,
      );
    const headerBytes = dv.getUint32(FH.header_bytes.offset, true);
    const chunkBytes = dv.getUint32(FH.chunk_bytes.offset, true);
    if (headerBytes < hb || headerBytes > CONTAINER.minChunkBytes || headerBytes % 8 !== 0) {
      throw new UserError(
        `${where}: header at offset ${FH.header_bytes.offset} claims a header size of ${headerBytes} bytes; valid traces use ${hb} to ${CONTAINER.minChunkBytes} (a multiple of 8). The header is corrupt.`,
      );
    }
    if (chunkBytes < CONTAINER.minChunkBytes || chunkBytes > CONTAINER.maxChunkBytes || (chunkBytes & (chunkBytes - 1)) !== 0) {
      throw new UserError(
        `${where}: header at offset ${FH.chunk_bytes.offset} claims a chunk size of ${chunkBytes} bytes; valid traces use a power of two from ${CONTAINER.minChunkBytes} to ${CONTAINER.maxChunkBytes}. The header is corrupt.`,
      );
    }
    this.checks = checksFor(major);
    this.strictSizes = major >= CONTAINER.crcFromMajor && !(major === FORMAT_VERSION.major && minor > FORMAT_VERSION.minor);
    const u32 = new Uint32Array(h.buffer, 0, hb >>> 2);
    const checkWord = FH.check.offset >>> 2;
    const stored = u32[checkWord]!;
    u32[checkWord] = 0;
    const checkOk = this.checks.header(u32, 0, hb >>> 2) === stored;
    u32[checkWord] = stored;
    if (!checkOk)
      this.warn(
        'bad_header',
        `file header check failed (offset ${FH.check.offset}); its fields look valid and are used, but pid, backend or times may be wrong`,
        FH.check.offset,
      );
    const flags = dv.getUint32(FH.flags.offset, true);
    const header: FileHeader = {
      major,
      minor,
      headerBytes,
      chunkBytes,
      flags,
      synthetic: (flags & FLAGS.file.synthetic) !== 0,
      closedCleanly: (flags & FLAGS.file.closed) !== 0,
      pid: dv.getUint32(FH.pid.offset, true),
      ppid: dv.getUint32(FH.ppid.offset, true),
      backend: enumName('backend', h[FH.backend.offset]!),
      clock: enumName('clock', h[FH.clock.offset]!),
      t0Ns: dv.getBigInt64(FH.t0_ns.offset, true),
      realtimeNs: dv.getBigInt64(FH.realtime_ns.offset, true),
      checkOk,
    };
    return header;
  }

  /**
   * Looks for the version-2 file end (the last FILE_END.bytes of the file) and
   * its chunk table. Warns when a version-2 file has none or a damaged one.
   */
  private readFileEnd(): FileEnd | null {
    const { major, headerBytes, chunkBytes, closedCleanly } = this.header;
    if (major < CONTAINER.crcFromMajor) return null;
    const size = this.src.size;
    const eb = CONTAINER.fileEndBytes;
    const missing = () => {
      // Without the closed flag, not_closed (finish) already says the file is incomplete.
      if (closedCleanly)
        this.warn(
          'no_file_end',
          `the file ends at offset ${size} without the file end its recorder writes on closing it: the file was cut (at a chunk boundary, or after its header), or the recorder could not write the end (full disk, or the program took its descriptor: see the recorder's warnings); records after offset ${size} are lost and cannot be counted`,
          size,
        );
      return null;
    };
    if (size < headerBytes + eb) return missing();
    const b = new Uint8Array(eb);
    if (this.src.read(b, eb, size - eb) < eb) return missing();
    const magic = Buffer.from(b.subarray(FE.magic.offset, FE.magic.offset + 8)).toString('latin1');
    if (magic !== CONTAINER.endMagic) return missing();
    const endOff = size - eb;
    const u = new Uint32Array(b.buffer);
    const dv = new DataView(b.buffer);
    const chunks = dv.getUint32(FE.chunks.offset, true);
    const stored = u[FE.check.offset >>> 2]!;
    u[FE.check.offset >>> 2] = 0;
    const checkOk = this.checks.header(u, 0, eb >>> 2) === stored;
    u[FE.check.offset >>> 2] = stored;
    const eBytes = CONTAINER.chunkEntryBytes;
    const tableOff = headerBytes + chunks * chunkBytes;
    if (tableOff + chunks * eBytes !== endOff) {
      this.warn(
        'bad_file_end',
        `file end at offset ${endOff} is damaged (it lists ${chunks} chunks, which does not match the file size); the chunks are read without it, so records lost in them cannot be counted`,
        endOff,
      );
      return null;
    }
    if (!checkOk) {
      // the size still fits the chunk count: keep the geometry, not the counts
      this.warn(
        'bad_file_end',
        `file end at offset ${endOff} is damaged (its check failed); the chunks are read without it, so records lost in them cannot be counted`,
        endOff,
      );
      return { chunks, records: 0, table: null };
    }
    const records = Number(dv.getBigUint64(FE.records.offset, true));
    const tb = new Uint8Array(chunks * eBytes);
    const table = new Uint32Array(tb.buffer);
    const got = this.src.read(tb, tb.length, tableOff);
    let tableOk = got === tb.length && this.checks.header(table, 0, table.length) === dv.getUint32(FE.table_check.offset, true);
    if (tableOk) {
      let sum = 0;
      for (let k = 0; k < chunks; k++) sum += table[2 * k]!;
      tableOk = sum === records;
    }
    if (!tableOk)
      this.warn(
        'bad_file_end',
        `the chunk table at offset ${tableOff} is damaged (its check failed); the chunks are read without it, so records lost in them cannot be counted`,
        tableOff,
      );
    return { chunks, records, table: tableOk ? table : null };
  }

  /**
   * Yields batches of at most `capacity` records in file order (chunk by chunk).
   * `id` numbers records from 0 in that order. Call once.
   * `nextBatch` gives the arrays each batch is decoded into (room for `capacity` rows): it
   * is called for the first batch and after each full one is yielded, so a caller may
   * hand a yielded batch's memory away (the loader's worker transfers it). Without it,
   * one batch is reused. `firstCapacity` (at most `capacity`) limits the first batch only.
   */
  *batches(capacity = DEFAULT_BATCH_ROWS, nextBatch?: () => EventBatch, firstCapacity = capacity): Generator<EventBatch> {
    if (this.done) throw new Error('TraceReader.batches() may run once');
    this.done = true;
    const { headerBytes, chunkBytes } = this.header;
    const end = (this.fileEnd = this.readFileEnd());
    const table = end?.table ?? null;
    // With a file end, the chunks stop where its table starts.
    const size = end ? headerBytes + end.chunks * chunkBytes : this.src.size;
    const chunksPerBlock = Math.max(1, Math.floor(TARGET_BLOCK_BYTES / chunkBytes));
    const blockBytes = chunksPerBlock * chunkBytes;
    const nChunks = end ? end.chunks : size > headerBytes ? Math.ceil((size - headerBytes) / chunkBytes) : 0;
    const block = new Uint8Array(Math.min(blockBytes, Math.max(0, size - headerBytes)) || 8);
    const u32 = new Uint32Array(block.buffer, 0, block.length >>> 2);
    const cur = new DecodeCursor(nextBatch ? nextBatch() : newBatch(capacity));
    cur.cap = Math.min(firstCapacity, capacity);
    for (let k0 = 0; k0 < nChunks; k0 += chunksPerBlock) {
      const blockOff = headerBytes + k0 * chunkBytes;
      const got = this.src.read(block, Math.min(block.length, size - blockOff), blockOff);
      const kEnd = Math.min(nChunks, k0 + chunksPerBlock);
      for (let k = k0; k < kEnd; k++) {
        const rel = (k - k0) * chunkBytes;
        const avail = Math.min(chunkBytes, got - rel);
        const fileOff = blockOff + rel;
        const listed = table ? table[2 * k]! : -1;
        cur.used = table ? table[2 * k + 1]! : chunkBytes;
        cur.chunkRecords = 0;
        cur.firstDamage = -1;
        if (!this.openChunk(block, u32, rel, avail, k, fileOff, cur, listed)) continue;
        for (;;) {
          const more = this.decodeChunk(block, u32, rel, avail, fileOff, cur);
          if (cur.batch.count === cur.cap) {
            yield cur.batch;
            cur.cap = capacity;
            if (nextBatch) cur.bind(nextBatch());
            cur.batch.count = 0;
          }
          if (!more) break;
        }
        if (listed > cur.chunkRecords) {
          const lost = listed - cur.chunkRecords;
          this.stats.recordsMissing += lost;
          const at = cur.firstDamage >= 0 ? cur.firstDamage : fileOff + cur.pos;
          this.warn(
            'records_missing',
            `chunk ${k} at offset ${fileOff}: ${lost} of the ${listed} records the file end lists are missing (damage from offset ${at}); they are lost`,
            at,
          );
        }
      }
    }
    if (cur.batch.count > 0) yield cur.batch;
    this.finish();
  }

  /**
   * Validates chunk k's header; sets the cursor to its first record. False to
   * skip the chunk. `listed`: records the file end lists for it (-1: no table).
   */
  private openChunk(
    block: Uint8Array,
    u32: Uint32Array,
    rel: number,
    avail: number,
    k: number,
    fileOff: number,
    cur: DecodeCursor,
    listed: number,
  ): boolean {
    const hdr = CONTAINER.chunkHeaderBytes;
    if (avail < hdr) {
      let zero = true;
      for (let i = 0; i < avail; i++) if (block[rel + i] !== 0) zero = false;
      if (!zero || avail > 0)
        this.torn(
          `file ends at offset ${fileOff + avail}, inside the header of chunk ${k} (torn tail: the recorder was killed or the file was cut); every record before it was read`,
          fileOff + avail,
        );
      return false;
    }
    const w = rel >>> 2;
    const hw = hdr >>> 2;
    if (firstNonZero(u32, w, w + hw) < 0) {
      // An unused chunk is zero throughout; a zeroed header over records is damage.
      const limit = Math.min(avail, this.header.chunkBytes);
      const data = firstNonZero(u32, w + hw, (rel + limit) >>> 2);
      if (data < 0 && listed <= 0) {
        this.stats.unusedChunks++;
        if (avail < this.header.chunkBytes)
          this.torn(`file ends at offset ${fileOff + avail}, inside unused chunk ${k} (torn tail)`, fileOff + avail);
        return false;
      }
      const lost = this.skippedRecords(u32, rel, limit, listed);
      this.stats.badChunks++;
      this.warn(
        'bad_chunk',
        `chunk ${k} at offset ${fileOff}: its header is zeroed but ${listed > 0 ? 'the file end lists records there' : `it holds data (from offset ${fileOff + (data * 4 - rel)})`}; ${lost} records (thread unknown) are lost`,
        fileOff,
      );
      return false;
    }
    const checkWord = w + (CH.check.offset >>> 2);
    const stored = u32[checkWord]!;
    u32[checkWord] = 0;
    const check = this.checks.header(u32, w, hw);
    u32[checkWord] = stored;
    const magicOk = u32[w + (CH.magic.offset >>> 2)] === CONTAINER.chunkMagic;
    const index = u32[w + (CH.index.offset >>> 2)];
    if (!magicOk || check !== stored || index !== k) {
      if (
        !this.header.closedCleanly &&
        !this.fileEnd &&
        firstNonZero(u32, w + hw, (rel + Math.min(avail, this.header.chunkBytes)) >>> 2) < 0
      ) {
        // No file end (the recorder was killed) and nothing past the header:
        // the kill landed while the recorder was writing this chunk's header
        // (a run of chunks is claimed first, then headed one by one). No
        // record was ever written here, so nothing is lost.
        this.stats.unusedChunks++;
        return false;
      }
      this.stats.badChunks++;
      const why = !magicOk
        ? 'wrong chunk magic'
        : check !== stored
          ? 'chunk header check failed'
          : `chunk index ${index} where ${k} was expected`;
      const lost = this.skippedRecords(u32, rel, Math.min(avail, this.header.chunkBytes), listed);
      this.warn('bad_chunk', `chunk ${k} at offset ${fileOff}: ${why}; its ${lost} records were skipped (corrupt file)`, fileOff);
      return false;
    }
    this.stats.chunks++;
    cur.tidLo = u32[w + (CH.tid.offset >>> 2)]!;
    cur.tidHi = u32[w + (CH.tid.offset >>> 2) + 1]!;
    cur.pos = hdr;
    cur.lastTsLo = this.t0Lo;
    cur.lastTsHi = this.t0Hi;
    const key = `${cur.tidHi}:${cur.tidLo}`;
    const seq = u32[w + (CH.thread_seq.offset >>> 2)]!;
    const t = this.threadChunks.get(key);
    if (t) {
      t.count++;
      if (seq > t.maxSeq) t.maxSeq = seq;
    } else this.threadChunks.set(key, { count: 1, maxSeq: seq });
    return true;
  }

  /**
   * Records lost with a skipped chunk: what the file end lists, or (without a
   * table) the checked records found in it. Counted in stats either way.
   */
  private skippedRecords(u32: Uint32Array, rel: number, limit: number, listed: number): number {
    let n = 0;
    for (let p = CONTAINER.chunkHeaderBytes; p + 16 <= limit; ) {
      const len = this.validRecordAt(u32, rel, p, limit);
      if (len > 0) {
        n++;
        p += len;
      } else p += 8;
    }
    this.stats.recordsSkipped += n;
    if (listed >= 0) {
      this.stats.recordsMissing += listed;
      return listed;
    }
    return n;
  }

  /** Byte size of the plausible record at chunk offset `p` (known kind, exact size, valid check), or 0. */
  private validRecordAt(u32: Uint32Array, rel: number, p: number, limit: number): number {
    const w = (rel + p) >>> 2;
    const w0 = u32[w]!;
    if (w0 === 0) return 0;
    const kind = w0 & 0xff;
    const words = (w0 >>> 8) & 0xff;
    const known = KNOWN_WORDS[kind]!;
    if (known === 0 || words < known || p + words * 8 > limit) return 0;
    if (kind !== STRING_KIND && words !== known) return 0;
    if (kind === STRING_KIND && this.strictSizes && words !== stringWords(u32[w + 5]!)) return 0;
    return this.checks.record(u32, w, words * 2) === w0 >>> 16 ? words * 8 : 0;
  }

  /**
   * Decodes records of the chunk at `rel` from cur.pos until the chunk ends
   * (returns false) or the batch is full (returns true).
   */
  private decodeChunk(block: Uint8Array, u32: Uint32Array, rel: number, avail: number, fileOff: number, cur: DecodeCursor): boolean {
    const b = cur.batch;
    const cap = cur.cap;
    const chunkBytes = this.header.chunkBytes;
    const limit = Math.min(avail, chunkBytes);
    const truncated = avail < chunkBytes;
    const byKind = this.stats.byKind;
    const recordCheck = this.checks.record;
    const strict = this.strictSizes;
    const used = cur.used;
    const { kind: kindCol, site: siteCol, idU, tsU, tidU, pU0, pU1, pU2, pU3, pU4 } = cur;
    let pos = cur.pos;
    let n = b.count;
    let listedSeen = 0; // valid records before the table's used_bytes
    while (pos + 8 <= chunkBytes) {
      if (pos + 8 > limit) {
        let partial = false;
        for (let i = rel + pos; i < rel + limit; i++) if (block[i] !== 0) partial = true;
        if (partial)
          this.torn(
            `record at offset ${fileOff + pos} is cut off by the end of the file at offset ${fileOff + limit} (torn tail: the recorder was killed or the file was cut); every complete record before it was read`,
            fileOff + pos,
          );
        else
          this.torn(
            `file ends at offset ${fileOff + limit}, inside chunk at offset ${fileOff} (torn tail: the recorder was killed or the file was cut); every complete record before it was read`,
            fileOff + limit,
          );
        break;
      }
      const w = (rel + pos) >>> 2;
      const w0 = u32[w]!;
      if (w0 === 0 && u32[w + 1] === 0) {
        // The end marker: the rest of the chunk must be zero too, or records were zeroed.
        const data = firstNonZero(u32, w + 2, (rel + limit) >>> 2);
        if (data < 0) {
          if (truncated)
            this.torn(`file ends at offset ${fileOff + limit}, inside chunk at offset ${fileOff} (torn tail)`, fileOff + limit);
          break;
        }
        if (this.unpublishedRecord(u32, rel, pos, limit)) {
          // A thread stopped (killed, or still writing at exit) before it published its
          // last record; the file end's count, or not_closed, speaks for it.
          if (cur.firstDamage < 0) cur.firstDamage = fileOff + pos;
          break;
        }
        pos = this.resync(
          u32,
          rel,
          pos,
          limit,
          fileOff,
          `zero bytes where a record should start, but the chunk has data after them (from offset ${fileOff + (data * 4 - rel)}): records there were zeroed`,
          cur,
        );
        continue;
      }
      const kind = w0 & 0xff;
      const words = (w0 >>> 8) & 0xff;
      const bytes = words * 8;
      if (words >= 2 && pos + bytes <= chunkBytes && pos + bytes > limit) {
        this.torn(
          `record at offset ${fileOff + pos} is cut off by the end of the file at offset ${fileOff + limit} (torn tail: the recorder was killed or the file was cut); every complete record before it was read`,
          fileOff + pos,
        );
        break;
      }
      const known = KNOWN_WORDS[kind]!;
      const valid = words >= 2 && pos + bytes <= limit && recordCheck(u32, w, words * 2) === w0 >>> 16;
      if (!valid || kind === 0) {
        pos = this.resync(u32, rel, pos, limit, fileOff, `record check failed (word 0 = 0x${w0.toString(16).padStart(8, '0')})`, cur);
        continue;
      }
      if (known === 0) {
        const seen = this.stats.unknownKinds.get(kind) ?? 0;
        this.stats.unknownKinds.set(kind, seen + 1);
        if (seen === 0)
          this.warn(
            'unknown_kind',
            `record kind ${kind} (first at offset ${fileOff + pos}) is unknown to this mpstrace (format ${FORMAT_VERSION.major}.${FORMAT_VERSION.minor}; the file is ${this.header.major}.${this.header.minor}); such records are skipped and counted`,
            fileOff + pos,
          );
        if (pos < used) listedSeen++;
        pos += bytes;
        continue;
      }
      if (words < known || (strict && kind !== STRING_KIND && words !== known)) {
        pos = this.resync(u32, rel, pos, limit, fileOff, `kind ${kind} record of ${words} words, expected ${known}`, cur);
        continue;
      }
      if (kind === STRING_KIND) {
        const len = u32[w + 5]!;
        if (len > (words - 3) * 8 || (strict && words !== stringWords(len))) {
          pos = this.resync(u32, rel, pos, limit, fileOff, `string record claims ${len} bytes but holds ${(words - 3) * 8}`, cur);
          continue;
        }
        const start = rel + pos + 24;
        this.strings.set(u32[w + 4]!, utf8.decode(block.subarray(start, start + len)));
        this.stats.strings++;
        byKind[kind]!++;
        if (pos < used) listedSeen++;
        pos += bytes;
        continue;
      }
      if (n === cap) break;
      // Copy the record into the columns as u32 halves.
      const id = cur.nextId++;
      const n2 = n * 2;
      idU[n2] = id >>> 0;
      idU[n2 + 1] = (id / 4294967296) >>> 0;
      let tsLo = u32[w + 2]!;
      let tsHi = u32[w + 3]!;
      // |ts| >= 2^62 ns (146 years) is no clock reading but damage, and differences of such
      // values overflow 64-bit SQL arithmetic: warn with the offset, keep the thread's last time.
      if ((tsHi + 0x40000000) >>> 0 >= 0x80000000) {
        this.badTimestamp(fileOff + pos, tsHi, tsLo, cur);
        tsLo = cur.lastTsLo;
        tsHi = cur.lastTsHi;
      }
      cur.lastTsLo = tsLo;
      cur.lastTsHi = tsHi;
      tsU[n2] = tsLo;
      tsU[n2 + 1] = tsHi;
      tidU[n2] = cur.tidLo;
      tidU[n2 + 1] = cur.tidHi;
      kindCol[n] = kind;
      siteCol[n] = u32[w + 1]!;
      const pw = known - 2;
      pU0[n2] = pw > 0 ? u32[w + 4]! : 0;
      pU0[n2 + 1] = pw > 0 ? u32[w + 5]! : 0;
      pU1[n2] = pw > 1 ? u32[w + 6]! : 0;
      pU1[n2 + 1] = pw > 1 ? u32[w + 7]! : 0;
      pU2[n2] = pw > 2 ? u32[w + 8]! : 0;
      pU2[n2 + 1] = pw > 2 ? u32[w + 9]! : 0;
      pU3[n2] = pw > 3 ? u32[w + 10]! : 0;
      pU3[n2 + 1] = pw > 3 ? u32[w + 11]! : 0;
      pU4[n2] = pw > 4 ? u32[w + 12]! : 0;
      pU4[n2 + 1] = pw > 4 ? u32[w + 13]! : 0;
      // Time fields out of range (rare) are handled by checkNsFields; the test here is inline.
      const nsMask = NS_PAYLOAD_MASK[kind]!;
      if (
        nsMask !== 0 &&
        (((nsMask & 1) !== 0 && (pU0[n2 + 1]! + 0x40000000) >>> 0 >= 0x80000000) ||
          ((nsMask & 2) !== 0 && (pU1[n2 + 1]! + 0x40000000) >>> 0 >= 0x80000000) ||
          ((nsMask & 4) !== 0 && (pU2[n2 + 1]! + 0x40000000) >>> 0 >= 0x80000000) ||
          ((nsMask & 8) !== 0 && (pU3[n2 + 1]! + 0x40000000) >>> 0 >= 0x80000000) ||
          ((nsMask & 16) !== 0 && (pU4[n2 + 1]! + 0x40000000) >>> 0 >= 0x80000000))
      )
        this.checkNsFields(NS_PAYLOAD_WORDS[kind]!, cur, n2, kind, fileOff + pos);
      n++;
      byKind[kind]!++;
      if (pos < used) listedSeen++;
      pos += bytes;
    }
    this.stats.records += n - b.count;
    b.count = n;
    cur.pos = pos;
    cur.chunkRecords += listedSeen;
    return n === cap && pos + 8 <= limit;
  }

  /**
   * True when the non-zero bytes after an end marker at `pos` fit inside one
   * record starting there and no valid record follows: the payload of a record
   * whose first word was never stored (its writer stopped), not zeroed records.
   */
  private unpublishedRecord(u32: Uint32Array, rel: number, pos: number, limit: number): boolean {
    let last = -1;
    for (let i = (rel + limit) >>> 2; i-- > (rel + pos) >>> 2; )
      if (u32[i] !== 0) {
        last = i;
        break;
      }
    if (last < 0 || last * 4 - rel >= pos + CONTAINER.maxRecordWords * 8) return false;
    for (let p = pos + 8; p + 16 <= limit; p += 8) if (this.validRecordAt(u32, rel, p, limit) > 0) return false;
    return true;
  }

  /**
   * After a bad record at `pos`, finds the next position in the chunk that holds
   * a plausible record (known kind, its exact size, valid check); reports the skip.
   */
  private resync(u32: Uint32Array, rel: number, pos: number, limit: number, fileOff: number, why: string, cur: DecodeCursor): number {
    this.stats.badRecords++;
    if (cur.firstDamage < 0) cur.firstDamage = fileOff + pos;
    let p = pos + 8;
    for (; p + 16 <= limit; p += 8) if (this.validRecordAt(u32, rel, p, limit) > 0) break;
    const end = Math.min(p, limit);
    const next =
      p + 16 <= limit
        ? `resumed at the next valid record, offset ${fileOff + p}`
        : `no valid record follows in this chunk (up to offset ${fileOff + limit})`;
    this.warn('bad_record', `corrupt record at offset ${fileOff + pos}: ${why}; skipped ${end - pos} bytes, ${next}`, fileOff + pos);
    return p + 16 <= limit ? p : this.header.chunkBytes;
  }

  /** Time fields (unit ns) out of +-2^62 are damage too: they would overflow `ts + dur_ns`; set to 0. */
  private checkNsFields(
    words: readonly { word: number; name: string }[],
    cur: DecodeCursor,
    n2: number,
    kind: number,
    offset: number,
  ): void {
    for (const { word, name } of words) {
      const col = cur.pU[word]!;
      const hi = col[n2 + 1]!;
      if ((hi + 0x40000000) >>> 0 < 0x80000000) continue;
      this.stats.badTimestamps++;
      const raw = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(col[n2]!));
      this.warn(
        'bad_timestamp',
        `record at offset ${offset} (${KIND_BY_ID.get(kind)?.name ?? kind}) has the impossible ${name} ${raw} ns (damaged record); it was read as 0`,
        offset,
      );
      col[n2] = 0;
      col[n2 + 1] = 0;
    }
  }

  private badTimestamp(offset: number, hi: number, lo: number, cur: DecodeCursor): void {
    this.stats.badTimestamps++;
    const raw = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
    const kept = BigInt.asIntN(64, (BigInt(cur.lastTsHi) << 32n) | BigInt(cur.lastTsLo));
    this.warn(
      'bad_timestamp',
      `record at offset ${offset} has the impossible timestamp ${raw} ns (damaged record); it was kept with the previous record's time, ${kept} ns`,
      offset,
    );
  }

  private torn(message: string, offset: number): void {
    if (this.tornTail) return;
    this.tornTail = true;
    this.warn('torn_tail', message, offset);
  }

  private finish(): void {
    for (const [key, t] of this.threadChunks) {
      if (t.count < t.maxSeq + 1) {
        const [hi, lo] = key.split(':').map(Number) as [number, number];
        const tid = hi * 4294967296 + lo;
        this.warn(
          'missing_chunks',
          `thread ${tid}: ${t.maxSeq + 1 - t.count} of its ${t.maxSeq + 1} chunks are missing or corrupt; its records there are lost`,
        );
      }
    }
    if (!this.header.closedCleanly) {
      const end =
        this.header.major >= CONTAINER.crcFromMajor ? ' and it has no file end, so records lost at its end cannot be counted' : '';
      this.warn(
        'not_closed',
        `the recorder did not close this trace cleanly (killed, crashed, or still running)${end}; the last records of some threads may be missing`,
      );
    }
  }
}

/** Words of a string record holding `len` bytes (version 2 requires exactly this). */
function stringWords(len: number): number {
  return 3 + Math.ceil(len / 8);
}

class DecodeCursor {
  /** Rows per batch. */
  cap = 0;
  pos = 0;
  tidLo = 0;
  tidHi = 0;
  nextId = 0;
  /** The last good timestamp in this chunk (u32 halves): what a damaged one is replaced with. */
  lastTsLo = 0;
  lastTsHi = 0;
  /** The chunk's used_bytes from the file end (chunk_bytes without one). */
  used = 0;
  /** Valid records found before `used` in the current chunk. */
  chunkRecords = 0;
  /** File offset of the first damage met in the current chunk, -1 if none. */
  firstDamage = -1;
  batch!: EventBatch;
  kind!: Uint8Array;
  site!: Uint32Array;
  idU!: Uint32Array;
  tsU!: Uint32Array;
  tidU!: Uint32Array;
  pU0!: Uint32Array;
  pU1!: Uint32Array;
  pU2!: Uint32Array;
  pU3!: Uint32Array;
  pU4!: Uint32Array;
  /** pU0..pU4 by payload word. */
  pU!: readonly Uint32Array[];
  constructor(batch: EventBatch) {
    this.bind(batch);
  }
  /** Decodes into `batch` from now on. */
  bind(batch: EventBatch): void {
    const v = (a: BigInt64Array) => new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
    this.batch = batch;
    this.kind = batch.kind;
    this.site = batch.site;
    this.idU = v(batch.id);
    this.tsU = v(batch.ts);
    this.tidU = v(batch.tid);
    this.pU0 = v(batch.p[0]);
    this.pU1 = v(batch.p[1]);
    this.pU2 = v(batch.p[2]);
    this.pU3 = v(batch.p[3]);
    this.pU4 = v(batch.p[4]);
    this.pU = [this.pU0, this.pU1, this.pU2, this.pU3, this.pU4];
  }
}

function newBatch(capacity: number): EventBatch {
  const b = () => new BigInt64Array(capacity);
  return {
    count: 0,
    id: b(),
    ts: b(),
    tid: b(),
    kind: new Uint8Array(capacity),
    site: new Uint32Array(capacity),
    p: [b(), b(), b(), b(), b()],
  };
}

/** One decoded record, for tests and small tools (the loader uses batches). */
export interface DecodedRecord {
  id: bigint;
  ts: bigint;
  tid: bigint;
  kind: number;
  site: number;
  p: bigint[];
}

export interface DecodedTrace {
  header: FileHeader;
  records: DecodedRecord[];
  strings: Map<number, string>;
  warnings: TraceWarning[];
  stats: ReadStats;
  /** The version-2 file end (null: version 1, or none). */
  fileEnd: FileEnd | null;
}

/** Reads a whole (small) trace into plain objects. */
export function readTrace(input: string | Uint8Array): DecodedTrace {
  const r = typeof input === 'string' ? TraceReader.open(input) : TraceReader.fromBuffer(input);
  try {
    const records: DecodedRecord[] = [];
    for (const b of r.batches(4096)) {
      for (let i = 0; i < b.count; i++) {
        records.push({ id: b.id[i]!, ts: b.ts[i]!, tid: b.tid[i]!, kind: b.kind[i]!, site: b.site[i]!, p: b.p.map((c) => c[i]!) });
      }
    }
    return { header: r.header, records, strings: r.strings, warnings: r.warnings, stats: r.stats, fileEnd: r.fileEnd };
  } finally {
    r.close();
  }
}
