import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TraceWriter } from '../src/format/writer.js';
import { readTrace } from '../src/format/reader.js';
import { check16 } from '../src/format/checksum.js';
import { KIND } from '../src/format/schema.generated.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hasCc = spawnSync('cc', ['--version']).status === 0;

// A fake runtime that publishes records the way FORMAT.md prescribes, so the
// generated C emitters can be compared byte for byte with the TS writer.
const C_HARNESS = `
#define MPST_WANT_EMITTERS
#include "mpstrace_format.h"
#include <stdio.h>
#include <string.h>
static uint64_t buf[4096]; static size_t used;
void *mpst_record_begin(unsigned words) { void *p = &buf[used]; memset(p, 0, words * 8); used += words; return p; }
void mpst_record_end(void *rec, unsigned kind, unsigned words, uint32_t site, int64_t ts) {
  uint64_t *r = rec; r[1] = (uint64_t)ts; r[0] = kind | (words << 8) | ((uint64_t)site << 32);
  uint32_t c = mpst_check16((const uint32_t *)r, words * 2); r[0] |= (uint64_t)c << 16; }
int64_t mpst_now(void) { return 0; }
int main(void) {
  mpst_emit_process_start_at(100, 0, 4242, 1, MPST_BACKEND_CUDA, MPST_CLOCK_MONOTONIC, 5, 7);
  mpst_emit_submit_at(200, 3, 0x7f0000001000ull, 9, 77);
  mpst_emit_complete_at(300, 0, 77, -2, 12345);
  mpst_emit_slot_acquire_at(400, 4, 0xabcdef12345ull, 3, -1, -99, MPST_SLOT_SOURCE_ANNOTATION);
  mpst_emit_memcpy_at(500, 0, 1, 2, 3, 4, 5, MPST_COPY_DIR_D2H, 1);
  mpst_emit_elapsed_end_at(-600, 0, 10, 11, 1500, -1);
  mpst_emit_range_pop_at(700, 0xffffffffu);
  uint32_t w[6] = {1, 2, 0xffffffffu, 0x80000000u, 12345, 0xdeadbeefu};
  fwrite(&used, 8, 1, stdout); fwrite(buf, 8, used, stdout);
  uint32_t c = mpst_check16(w, 6); fwrite(&c, 4, 1, stdout);
  return 0; }
`;

describe('TraceWriter', () => {
  it.skipIf(!hasCc)('lays out records byte for byte like the generated C emitters', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mpst-c-'));
    writeFileSync(path.join(dir, 'h.c'), C_HARNESS);
    execFileSync('cc', ['-O1', '-I', path.join(root, 'instrumentation/include'), '-o', path.join(dir, 'h'), path.join(dir, 'h.c')]);
    const out = execFileSync(path.join(dir, 'h'));
    const used = Number(out.readBigUInt64LE(0));
    const cBytes = out.subarray(8, 8 + used * 8);
    const cCheck = out.readUInt32LE(8 + used * 8);

    const w = new TraceWriter({ backend: 'cuda', chunkBytes: 4096 });
    w.record(1, 'process_start', 100, { pid: 4242, ppid: 1, backend: 'cuda', clock: 'monotonic', flags: 5, recorder: 7 });
    w.record(1, 'submit', 200, { stream: 0x7f0000001000, name: 9, corr: 77 }, 3);
    w.record(1, 'complete', 300, { corr: 77, error: -2, dur_ns: 12345 });
    w.record(1, 'slot_acquire', 400, { stream: 0xabcdef12345n, slot: 3, free_after: -1, wait_ns: -99, source: 'annotation' }, 4);
    w.record(1, 'memcpy', 500, { dst: 1, src: 2, bytes: 3, stream: 4, corr: 5, dir: 'd2h', is_async: true });
    w.record(1, 'elapsed_end', -600, { start_event: 10, end_event: 11, elapsed_ns: 1500, error: -1 });
    w.record(1, 'range_pop', 700, {}, 0xffffffff);
    const file = w.toBuffer();
    const tsBytes = file.subarray(64 + 32, 64 + 32 + used * 8);
    expect(Buffer.compare(tsBytes, cBytes)).toBe(0);
    expect(check16(new Uint32Array([1, 2, 0xffffffff, 0x80000000, 12345, 0xdeadbeef]), 0, 6)).toBe(cCheck);
  });

  it('round-trips fields, strings, call sites and threads through the reader', () => {
    const w = new TraceWriter({ backend: 'metal', pid: 77, ppid: 5, t0Ns: 1000, chunkBytes: 4096 });
    const site = w.callsite('at::mps::getCurrentMPSStream', 'libtorch_cpu.so', 0x1234, 16);
    w.record(1, 'process_start', 1, { pid: 77, backend: 'metal', recorder: 'mpstrace-metal 0.1.0' });
    for (let i = 0; i < 500; i++)
      w.record(2 + (i % 3), 'submit', 10 + i, { stream: 0x10 + (i % 3), name: `kernel_${i % 7}`, corr: i + 1 }, site);
    w.record(9, 'complete', 5000, { corr: 1, error: -5, dur_ns: -3 });
    const t = readTrace(w.toBuffer());
    expect(t.warnings).toEqual([]);
    expect(t.header).toMatchObject({
      backend: 'metal',
      pid: 77,
      ppid: 5,
      t0Ns: 1000n,
      synthetic: false,
      closedCleanly: true,
      chunkBytes: 4096,
    });
    const submits = t.records.filter((r) => r.kind === KIND.submit);
    expect(submits).toHaveLength(500);
    // Chunks of several threads interleave; every record keeps its thread and fields.
    for (const r of submits) {
      const i = Number(r.ts) - 10;
      expect(r.tid).toBe(BigInt(2 + (i % 3)));
      expect(r.site).toBe(site);
      expect(r.p[0]).toBe(BigInt(0x10 + (i % 3)));
      expect(t.strings.get(Number(r.p[1]! & 0xffffffffn))).toBe(`kernel_${i % 7}`);
      expect(r.p[1]! >> 32n).toBe(BigInt(i + 1));
    }
    const complete = t.records.find((r) => r.kind === KIND.complete)!;
    expect(complete.p[0]).toBe(BigInt.asIntN(64, (BigInt.asUintN(32, -5n) << 32n) | 1n));
    expect(complete.p[1]).toBe(-3n);
    const cs = t.records.find((r) => r.kind === KIND.callsite)!;
    expect(t.strings.get(Number(cs.p[0]! >> 32n))).toBe('at::mps::getCurrentMPSStream');
    expect(new Set(t.records.map((r) => r.id)).size).toBe(t.records.length);
  });

  it('rejects unknown kinds, fields and enum names with a clear message', () => {
    const w = new TraceWriter({ backend: 'none' });
    expect(() => w.record(1, 'nope', 0)).toThrow(/unknown record kind 'nope'/);
    expect(() => w.record(1, 'submit', 0, { streem: 1 })).toThrow(/no field 'streem'/);
    expect(() => w.record(1, 'sync_begin', 0, { scope: 'galaxy' })).toThrow(/not a value of enum sync_scope/);
    expect(() => new TraceWriter({ backend: 'none', chunkBytes: 5000 })).toThrow(/power of two/);
  });

  it('writes files chunk by chunk with the synthetic and closed flags', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mpst-w-'));
    const w = new TraceWriter({ backend: 'synthetic', closed: false, chunkBytes: 4096 });
    for (let i = 0; i < 1000; i++) w.record(1 + (i % 2), 'range_pop', i);
    const f = path.join(dir, 't.mpst');
    w.writeFile(f);
    const bytes = readFileSync(f);
    expect((bytes.length - 64) % 4096).toBe(0);
    const t = readTrace(f);
    expect(t.records).toHaveLength(1000);
    expect(t.header.synthetic).toBe(true);
    expect(t.warnings.map((x) => x.code)).toEqual(['not_closed']);
  });
});
