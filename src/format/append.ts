/**
 * Appends records to a finished trace file (`mpstrace symbolize` adds symbol
 * records after the run): new chunks after the last one, each owned by a
 * thread already in the file with the next sequence number, strings with ids
 * above the file's. Readers see them like any other chunk. A version-2 file's
 * end (chunk table) is rewritten after the new chunks; a file without one (a
 * killed recorder) stays without one, and a version-1 file gets version-1 chunks.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { checksFor } from './checksum.js';
import { CHUNK_HEADER, CONTAINER } from './kinds.js';
import { TraceReader, type FileEnd } from './reader.js';
import { TraceWriter, fileEnd, type ChunkEntry } from './writer.js';

const CH = CHUNK_HEADER.fields;

export function appendToTrace(tracePath: string, tid: number, write: (w: TraceWriter) => void): number {
  const r = TraceReader.open(tracePath);
  const header = r.header;
  let maxString = 0;
  let end: FileEnd | null = null;
  try {
    for (const _ of r.batches(65536)) {
      /* decode to learn the strings */
    }
    for (const id of r.strings.keys()) maxString = Math.max(maxString, id);
    end = r.fileEnd;
  } finally {
    r.close();
  }
  const fd = openSync(tracePath, 'r+');
  try {
    const size = fstatSync(fd).size;
    const chunks = end ? end.chunks : size > header.headerBytes ? Math.ceil((size - header.headerBytes) / header.chunkBytes) : 0;
    // each thread's next chunk sequence number, from the chunk headers
    const threadSeq = new Map<number, number>();
    const h = Buffer.alloc(CHUNK_HEADER.bytes);
    for (let k = 0; k < chunks; k++) {
      if (readSync(fd, h, 0, h.length, header.headerBytes + k * header.chunkBytes) < h.length) break;
      if (h.readUInt32LE(CH.magic.offset) !== CONTAINER.chunkMagic) continue;
      const t = Number(h.readBigUInt64LE(CH.tid.offset));
      const seq = h.readUInt32LE(CH.thread_seq.offset);
      threadSeq.set(t, Math.max(threadSeq.get(t) ?? 0, seq + 1));
    }
    const w = new TraceWriter({
      backend: header.backend as 'cuda',
      chunkBytes: header.chunkBytes,
      metaTid: tid,
      version: { major: header.major, minor: header.minor },
      append: { firstChunk: chunks, firstStringId: maxString + 1, threadSeq },
    });
    write(w);
    let at = header.headerBytes + chunks * header.chunkBytes; // a torn tail is padded to a whole chunk
    for (const b of w.chunkBuffers()) {
      writeSync(fd, b, 0, b.length, at);
      at += b.length;
    }
    if (end) {
      // A damaged table is not carried over (the file then reads as one without an end).
      if (end.table) {
        const old: ChunkEntry[] = [];
        for (let k = 0; k < end.chunks; k++) old.push({ records: end.table[2 * k]!, usedBytes: end.table[2 * k + 1]! });
        const e = fileEnd([...old, ...w.chunkEntries()], checksFor(header.major));
        writeSync(fd, e, 0, e.length, at);
        at += e.length;
      }
      ftruncateSync(fd, at);
    }
    return w.records;
  } finally {
    closeSync(fd);
  }
}
