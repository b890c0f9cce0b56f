/**
 * Test helper: rewrites a version-1 trace (e.g. a golden trace recorded on the
 * GPU machine) as the version-2 file the current recorder would have written
 * from the same records: same chunks and records byte for byte, version-2 checks
 * (CRC-16) and, for a closed file, the file end. So the fuzzer damages the
 * structure of real traces in the current format.
 */
import { check16, recordCheck } from '../src/format/checksum.js';
import { CONTAINER, FILE_HEADER, FLAGS, FORMAT_VERSION } from '../src/format/kinds.js';
import { fileEnd, type ChunkEntry } from '../src/format/writer.js';
import { CHECKS_V2 } from '../src/format/checksum.js';

export function upgradeToV2(v1: Uint8Array): Buffer {
  const b = Buffer.from(v1);
  const u = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
  const hb = b.readUInt32LE(FILE_HEADER.fields.header_bytes.offset);
  const cb = b.readUInt32LE(FILE_HEADER.fields.chunk_bytes.offset);
  if (b.readUInt16LE(FILE_HEADER.fields.version_major.offset) !== 1) throw new Error('not a version-1 trace');
  if ((b.length - hb) % cb !== 0) throw new Error('torn version-1 trace');
  const entries: ChunkEntry[] = [];
  for (let c = hb; c < b.length; c += cb) {
    const w = c >>> 2;
    if (u[w] === 0) {
      entries.push({ records: 0, usedBytes: 0 });
      continue;
    }
    if (u[w] !== CONTAINER.chunkMagic) throw new Error(`bad chunk at ${c}`);
    const ck = w + 7;
    u[ck] = 0;
    u[ck] = check16(u, w, 8);
    let records = 0,
      used = 0;
    for (let p = CONTAINER.chunkHeaderBytes; p + 16 <= cb; ) {
      const rw = (c + p) >>> 2;
      const w0 = u[rw]!;
      const words = (w0 >>> 8) & 0xff;
      if (w0 === 0 || words < 2 || p + words * 8 > cb || recordCheck(u, rw, words * 2) !== w0 >>> 16) {
        p += 8;
        continue;
      }
      u[rw] = w0 & 0xffff;
      u[rw] = (u[rw]! | (check16(u, rw, words * 2) << 16)) >>> 0;
      records++;
      p += words * 8;
      used = p;
    }
    entries.push({ records, usedBytes: used });
  }
  b.writeUInt16LE(FORMAT_VERSION.major, FILE_HEADER.fields.version_major.offset);
  b.writeUInt16LE(FORMAT_VERSION.minor, FILE_HEADER.fields.version_minor.offset);
  const hw = FILE_HEADER.fields.check.offset >>> 2;
  u[hw] = 0;
  u[hw] = check16(u, 0, FILE_HEADER.bytes >>> 2);
  const closed = (b.readUInt32LE(FILE_HEADER.fields.flags.offset) & FLAGS.file.closed) !== 0;
  return closed ? Buffer.concat([b, fileEnd(entries, CHECKS_V2)]) : b;
}
