// The recorder with many threads: short-lived threads cost one small chunk
// each (not a whole 64 KiB), more live threads than the recorder's slot table
// (1024) lose nothing, and a busy thread's chunk runs leave no zeroed chunks.
// Timing is measured by bench/many-threads.sh and bench/short-threads.sh,
// not here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import path from 'node:path';
import { TraceReader } from '../src/format/reader.js';
import { KIND_BY_NAME } from '../src/format/kinds.js';
import { buildRecorder, canBuild, cleanup, runTraced, tempDir, type Built } from './recorder-util.js';

const K = (name: string) => KIND_BY_NAME.get(name)!.id;

interface Counts {
  byKind: Map<string, number>;
  lost: bigint;
  threads: number;
  chunks: number;
  unusedChunks: number;
  warnings: string[];
  closed: boolean;
}

function counts(file: string): Counts {
  const r = TraceReader.open(file);
  try {
    const byKind = new Map<string, number>();
    const names = new Map([...KIND_BY_NAME].map(([n, d]) => [d.id, n]));
    const tids = new Set<bigint>();
    let lost = 0n;
    for (const b of r.batches()) {
      for (let i = 0; i < b.count; i++) {
        const name = names.get(b.kind[i]!) ?? `kind${b.kind[i]}`;
        byKind.set(name, (byKind.get(name) ?? 0) + 1);
        if (b.kind[i] === K('records_lost')) lost += b.p[0][i]!;
        tids.add(b.tid[i]!);
      }
    }
    return {
      byKind,
      lost,
      threads: tids.size,
      chunks: r.stats.chunks,
      unusedChunks: r.stats.unusedChunks,
      warnings: r.warnings.map((w) => w.message),
      closed: r.header.closedCleanly,
    };
  } finally {
    r.close();
  }
}

describe.skipIf(!canBuild)('recorder with many threads', () => {
  let b: Built;
  afterAll(cleanup);
  beforeAll(() => {
    b = buildRecorder();
  }, 120_000);

  it('8000 short-lived threads: one 4 KiB chunk each (was a 64 KiB chunk: 524 MB), every record kept', () => {
    const out = path.join(tempDir(), 'short.mpst');
    // 2000 rounds of 4 threads that live at once, 20 records each
    const r = runTraced(b, 'drv_threads', ['4', '20', '2000'], out);
    expect(r.status).toBe(0);
    const c = counts(out);
    expect(c.byKind.get('range_pop')).toBe(160_000);
    expect(c.byKind.get('thread_start')).toBe(8001); // the workers and main
    expect(c.byKind.get('thread_exit')).toBe(8000);
    expect(c.lost).toBe(0n);
    expect(c.warnings).toEqual([]);
    expect(c.closed).toBe(true);
    // one chunk per thread, plus main's
    expect(c.chunks).toBeLessThanOrEqual(8001 + 2);
    // and the file end: an 8-byte chunk_entry per chunk and the 32-byte trailer
    expect(statSync(out).size).toBeLessThanOrEqual(64 + (8001 + 2) * (4096 + 8) + 32);
  }, 60_000);

  it('2000 threads alive at once (past the 1024-entry slot table): every record, start and exit is in the file', () => {
    const out = path.join(tempDir(), 'many.mpst');
    const r = runTraced(b, 'drv_threads', ['2000', '50', '1'], out);
    expect(r.status).toBe(0);
    const c = counts(out);
    expect(c.byKind.get('range_pop')).toBe(100_000);
    expect(c.byKind.get('thread_start')).toBe(2001);
    expect(c.byKind.get('thread_exit')).toBe(2000);
    expect(c.threads).toBe(2001);
    expect(c.lost).toBe(0n);
    expect(c.closed).toBe(true);
  }, 60_000);

  it('2000 live threads through the hooked CUDA path (syncs mark threads blocked): every call recorded', () => {
    const out = path.join(tempDir(), 'many-cuda.mpst');
    const r = runTraced(b, 'drv_threads', ['2000', '10', '1', 'cuda'], out);
    expect(r.status).toBe(0);
    const c = counts(out);
    expect(c.byKind.get('event_record')).toBe(20_000);
    expect(c.byKind.get('sync_begin')).toBe(20_000);
    expect(c.byKind.get('sync_end')).toBe(20_000);
    expect(c.threads).toBe(2001);
    expect(c.lost).toBe(0n);
  }, 60_000);

  it('busy threads claim runs of chunks: all chunks have headers (none zeroed) and runs stay within 64 KiB per thread of slack', () => {
    const out = path.join(tempDir(), 'busy.mpst');
    const r = runTraced(b, 'drv_stress', ['8', '200000'], out, { MPSTRACE_MAX_MB: '256' });
    expect(r.status).toBe(0);
    const c = counts(out);
    expect(c.byKind.get('range_pop')).toBe(1_600_000);
    expect(c.lost).toBe(0n);
    expect(c.unusedChunks).toBe(0);
    expect(c.warnings).toEqual([]);
    // 16-byte records: 200k per thread ~ 3.2 MB; slack is at most one run (16 chunks) per thread
    const used = 1_600_000 * 16;
    expect(statSync(out).size).toBeLessThan(used * 1.05 + 9 * 16 * 4096);
  }, 60_000);

  it('MPSTRACE_CHUNK_KB=64 still gives 64 KiB chunks, one per claim', () => {
    const out = path.join(tempDir(), 'big.mpst');
    const r = runTraced(b, 'drv_threads', ['4', '20', '10'], out, { MPSTRACE_CHUNK_KB: '64' });
    expect(r.status).toBe(0);
    const t = TraceReader.open(out);
    try {
      expect(t.header.chunkBytes).toBe(65536);
    } finally {
      t.close();
    }
    expect(statSync(out).size).toBe(64 + 41 * (65536 + 8) + 32); // 41 chunks and the file end
  }, 60_000);
});
