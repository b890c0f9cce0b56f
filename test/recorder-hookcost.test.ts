// What the recorder does to keep each hooked call cheap (issue 16) must not
// change what it writes: the record check computed with carry-less
// multiplies is the format's CRC-16 for records of every size, and the file
// the watchdog maps ahead of the writers is cut back at exit. The cost itself
// is measured by bench/cuda/hookcompare.sh and bench/cuda/hookparts.c, not here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import path from 'node:path';
import { CHUNK_ENTRY, FILE_END, FILE_HEADER } from '../src/format/kinds.js';
import { buildRecorder, canBuild, cleanup, load, runTraced, tempDir, type Built } from './recorder-util.js';

const MAX = 1200; // string records of 3 to 153 words

describe.skipIf(!canBuild)('recorder hot path', () => {
  let b: Built;
  beforeAll(() => {
    b = buildRecorder();
  }, 120_000);
  afterAll(cleanup);

  for (const crc of ['default', 'table']) {
    it(`records of every size pass the reader's check (MPSTRACE_CRC=${crc})`, () => {
      const out = path.join(tempDir(), `s-${crc}.mpst`);
      const r = runTraced(b, 'drv_strings', [String(MAX)], out, crc === 'table' ? { MPSTRACE_CRC: 'table' } : {});
      expect(r.status).toBe(0);
      const { trace, recs, str } = load(out);
      expect(trace.warnings).toEqual([]);
      expect(trace.stats.badRecords).toBe(0);
      const lengths = new Set(recs.filter((x) => x.kind === 'range_push').map((x) => str(x.f.name!)?.length));
      for (let len = 1; len <= MAX; len++) expect(lengths.has(len)).toBe(true);
    });
  }

  it('the file mapped ahead of the writers is cut back at exit to its chunks and file end', () => {
    const out = path.join(tempDir(), 'cut.mpst');
    const r = runTraced(b, 'drv_strings', [String(MAX)], out);
    expect(r.status).toBe(0);
    const { trace } = load(out);
    expect(trace.fileEnd).not.toBeNull();
    const chunks = trace.fileEnd!.chunks;
    const cb = trace.header.chunkBytes;
    expect(statSync(out).size).toBe(FILE_HEADER.bytes + chunks * cb + chunks * CHUNK_ENTRY.bytes + FILE_END.bytes);
  });

  it("a new thread's first record faults no page of the trace (the watchdog mapped it ahead)", () => {
    const threads = 100;
    // page faults each thread took while writing its record (its own, not the watchdog's); plain: none written
    const plain = runTraced(b, 'drv_strings', ['10', '300', String(threads)], path.join(tempDir(), 'p.mpst'), { LD_PRELOAD: '' });
    const traced = runTraced(b, 'drv_strings', ['10', '300', String(threads)], path.join(tempDir(), 't.mpst'));
    const faults = (s: string) => Number(/thread_record_minflt=(\d+)/.exec(s)![1]);
    expect(plain.status).toBe(0);
    expect(traced.status).toBe(0);
    // without mapping ahead each thread's first chunk costs a fault (100 more)
    expect(faults(traced.stdout) - faults(plain.stdout)).toBeLessThan(threads / 4);
  });
});
