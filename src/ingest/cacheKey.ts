/**
 * The content key of a trace, for `--cache`: a cache answers for a trace only
 * when the key it was saved with matches, so a different trace with the same
 * size and mtime (a copy, a re-recording, `touch -r`) is never answered from an
 * old cache. Reading the whole file would cost as much as decoding it, so the
 * key hashes what any two different traces differ in: the size, the first and
 * last 64 KiB (file header, first records, the tail a recorder writes last) and
 * the first 256 bytes of every chunk (its header, with thread and sequence, and
 * its first records' timestamps).
 */
import { createHash } from 'node:crypto';
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';

const EDGE_BYTES = 64 << 10;
const CHUNK_SAMPLE_BYTES = 256;

/** `sha256:<hex>` of the sampled content of the trace at `file` (a regular file, header already validated). */
export function traceContentKey(file: string, headerBytes: number, chunkBytes: number): string {
  const fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const size = fstatSync(fd).size;
    const h = createHash('sha256');
    h.update(`mpstrace-cache-key 1 size=${size} header=${headerBytes} chunk=${chunkBytes}\n`);
    const buf = Buffer.alloc(Math.max(EDGE_BYTES, CHUNK_SAMPLE_BYTES));
    const take = (pos: number, len: number) => {
      const n = readSync(fd, buf, 0, Math.min(len, Math.max(0, size - pos)), pos);
      h.update(buf.subarray(0, n));
    };
    take(0, EDGE_BYTES);
    take(Math.max(0, size - EDGE_BYTES), EDGE_BYTES);
    for (let off = headerBytes; off < size; off += chunkBytes) take(off, CHUNK_SAMPLE_BYTES);
    return `sha256:${h.digest('hex')}`;
  } finally {
    closeSync(fd);
  }
}
