// Damage never passes silently: a seeded, time-bounded mutation fuzzer over
// real traces (the committed H200 traces, rewritten as the version-2 files the
// current recorder writes) asserting "warned or identical" for every mutant, and
// one structure-aware case per damage class of issue 17 item 2. Every case here
// was silent with format 1 and its reader (main at 71d0f00, same damage to the
// format-1 originals): 8 zeroed bytes at chunk 0's start read 154 of 946 records
// with no warning; a zeroed chunk header 792 of 946; the last 3 records of chunk 0
// zeroed 943 of 946; cuts at chunk boundaries 0 and 1 (right after the header)
// 0 and 792 of 946; bit 157 of mt_inference's complete record at 66160 changed
// its corr unwarned. Of the fuzzer's mutant kinds, that reader let 34 of 190 fixed
// mutants and 351 of 9,000 random ones through silently.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TraceReader, readTrace } from '../src/format/reader.js';
import { check16, recordCheck, recordCheck16 } from '../src/format/checksum.js';
import { crc16Bitwise } from '../src/format/crc16.js';
import { CONTAINER, KIND } from '../src/format/kinds.js';
import { UserError } from '../src/util/errors.js';
import { upgradeToV2 } from './format-upgrade-util.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const golden = (rel: string) => readFileSync(path.join(root, 'traces/cuda', rel));
const TRACES = ['races/event_before_write_buggy.mpst', 'timing_events.mpst', 'mt_inference.mpst'];
/** Fuzzing time per trace for the random mutants (the fixed ones always run); MPSTRACE_FUZZ_MS for a longer run. */
const BUDGET_MS = Number(process.env.MPSTRACE_FUZZ_MS ?? 1200);

interface Outcome {
  warned: boolean;
  digest: string;
}

/** Decodes a (possibly damaged) trace: whether it was warned about, and a digest of everything read. */
function outcome(buf: Uint8Array): Outcome {
  let r: TraceReader;
  try {
    r = TraceReader.fromBuffer(buf);
  } catch (e) {
    if (e instanceof UserError) return { warned: true, digest: 'refused' };
    throw e;
  }
  let h = 0x811c9dc5;
  let n = 0;
  const mix = (v: number) => {
    h = Math.imul(h ^ v, 0x01000193);
  };
  for (const b of r.batches(1 << 14)) {
    const cols = [b.id, b.ts, b.tid, ...b.p];
    for (let i = 0; i < b.count; i++) {
      mix(b.kind[i]!);
      mix(b.site[i]!);
      for (const c of cols) {
        const v = c[i]!;
        mix(Number(v & 0xffffffffn));
        mix(Number(v >> 32n));
      }
    }
    n += b.count;
  }
  for (const [id, s] of [...r.strings].sort((a, b) => a[0] - b[0])) {
    mix(id);
    for (let i = 0; i < s.length; i++) mix(s.charCodeAt(i));
  }
  const warned = r.warnings.length > 0;
  r.close();
  return { warned, digest: `${n}:${h >>> 0}` };
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

interface Tally {
  mutants: number;
  warned: number;
  identical: number;
  silent: string[];
}

describe('mutation fuzzer: every mutant of a real trace is warned about or reads identically', () => {
  const totals: Record<string, number> = {};
  for (const rel of TRACES) {
    it(rel, () => {
      const v1 = golden(rel);
      const good = upgradeToV2(v1);
      const base = outcome(good);
      expect(base.warned, 'the undamaged trace reads without warnings').toBe(false);
      // the rewrite keeps every record: version 1 and version 2 read the same
      expect(outcome(v1).digest).toBe(base.digest);
      const hb = 64;
      const cb = good.readUInt32LE(16);
      const chunks = good.readUInt32LE(good.length - CONTAINER.fileEndBytes + 8);
      const dataEnd = hb + chunks * cb;
      const t: Tally = { mutants: 0, warned: 0, identical: 0, silent: [] };
      const judge = (what: string, m: Uint8Array) => {
        const o = outcome(m);
        t.mutants++;
        if (o.warned) t.warned++;
        else if (o.digest === base.digest) t.identical++;
        else if (t.silent.length < 10) t.silent.push(what);
        else t.silent.push('');
      };
      // Fixed mutants: every cut at a chunk boundary, cuts in the file end, right after the header; every zeroed 4 KiB page.
      judge('cut after header', good.subarray(0, hb));
      for (let k = 1; k <= chunks; k++) judge(`cut at chunk ${k}`, good.subarray(0, hb + k * cb));
      for (const c of [dataEnd + 8, good.length - CONTAINER.fileEndBytes, good.length - 1]) judge(`cut at ${c}`, good.subarray(0, c));
      for (let p = 0; p < good.length; p += 4096) {
        const m = Buffer.from(good);
        m.fill(0, p, Math.min(p + 4096, m.length));
        judge(`zeroed page at ${p}`, m);
      }
      // Random mutants, seeded: byte flips, bit flips, zeroed ranges, zeroed aligned words, until the time budget.
      const rand = prng(0x5eed + rel.length);
      const until = Date.now() + BUDGET_MS;
      while (Date.now() < until) {
        const m = Buffer.from(good);
        const at = Math.floor(rand() * m.length);
        const kind = Math.floor(rand() * 4);
        let what: string;
        if (kind === 0) {
          const x = 1 + Math.floor(rand() * 255);
          m[at] = m[at]! ^ x;
          what = `byte ${at} ^= ${x}`;
        } else if (kind === 1) {
          const bit = Math.floor(rand() * 8);
          m[at] = m[at]! ^ (1 << bit);
          what = `bit ${bit} of byte ${at}`;
        } else if (kind === 2) {
          const len = 1 + Math.floor(rand() * 512);
          m.fill(0, at, Math.min(at + len, m.length));
          what = `zeroed ${len} bytes at ${at}`;
        } else {
          const a8 = at & ~7;
          m.fill(0, a8, a8 + 8);
          what = `zeroed word at ${a8}`;
        }
        judge(what, m);
      }
      totals[rel] = t.mutants;
      console.log(`fuzz ${rel}: ${t.mutants} mutants, ${t.warned} warned, ${t.identical} identical, ${t.silent.length} silent losses`);
      expect(t.silent.filter(Boolean), 'mutants that lost records without a warning').toEqual([]);
      expect(t.silent).toHaveLength(0);
      expect(t.mutants).toBeGreaterThan(chunks + 40);
    }, 60_000);
  }
});

/** Byte offsets of the records of chunk `k` in an undamaged version-2 file. */
function recordsOfChunk(buf: Buffer, k: number): { start: number; end: number; kind: number }[] {
  const cb = buf.readUInt32LE(16);
  const c = 64 + k * cb;
  const out: { start: number; end: number; kind: number }[] = [];
  for (let p = c + 32; p + 8 <= c + cb; ) {
    const w0 = buf.readUInt32LE(p);
    if (w0 === 0) break;
    const bytes = ((w0 >>> 8) & 0xff) * 8;
    out.push({ start: p, end: p + bytes, kind: w0 & 0xff });
    p += bytes;
  }
  return out;
}

describe('format 1 files (the committed golden traces) are still read', () => {
  it('timing_events.mpst: version 1.0, no file end, no warnings, the same records as its format-2 rewrite', () => {
    const v1 = golden('timing_events.mpst');
    const t = readTrace(v1);
    expect(t.header.major).toBe(1);
    expect(t.fileEnd).toBeNull();
    expect(t.warnings).toEqual([]);
    const t2 = readTrace(upgradeToV2(v1));
    expect(t2.header.major).toBe(2);
    expect(t2.fileEnd).toMatchObject({ records: t.records.length + t.stats.strings });
    expect(t2.records).toEqual(t.records);
    expect([...t2.strings]).toEqual([...t.strings]);
  });
});

describe('damage classes of issue 17 (each silent with format 1)', () => {
  const good = upgradeToV2(golden('races/event_before_write_buggy.mpst'));
  const base = readTrace(good);
  const cb = good.readUInt32LE(16);

  it('8 zeroed bytes at a chunk start: warned with the offset, the rest of the chunk recovered, the loss counted', () => {
    const recs = recordsOfChunk(good, 0);
    const m = Buffer.from(good);
    m.fill(0, recs[0]!.start, recs[0]!.start + 8);
    const t = readTrace(m);
    expect(t.warnings.find((w) => w.code === 'bad_record')).toMatchObject({
      offset: recs[0]!.start,
      message: expect.stringMatching(/records there were zeroed.*resumed at the next valid record, offset/),
    });
    expect(t.warnings.find((w) => w.code === 'records_missing')).toMatchObject({
      offset: recs[0]!.start,
      message: expect.stringMatching(/1 of the \d+ records the file end lists are missing/),
    });
    expect(t.stats.recordsMissing).toBe(1);
    // only the one zeroed record is gone (it was process_start, not a timeline event, or one event)
    expect(t.records.length + t.stats.strings).toBeGreaterThanOrEqual(base.records.length + base.stats.strings - 1);
  });

  it('a zeroed chunk header over records: warned, and the records it held are counted', () => {
    const m = Buffer.from(good);
    m.fill(0, 64 + cb, 64 + cb + 32);
    const t = readTrace(m);
    const n = recordsOfChunk(good, 1).length;
    expect(t.warnings.find((w) => w.code === 'bad_chunk')).toMatchObject({
      offset: 64 + cb,
      message: expect.stringMatching(new RegExp(`header is zeroed.*${n} records \\(thread unknown\\) are lost`)),
    });
    expect(t.stats.recordsMissing).toBe(n);
  });

  it('a zeroed range over the last records of a chunk (only the chunk table can tell): counted with the offset', () => {
    const recs = recordsOfChunk(good, 0);
    const from = recs[recs.length - 3]!.start;
    const m = Buffer.from(good);
    m.fill(0, from, 64 + cb);
    const t = readTrace(m);
    expect(t.warnings.find((w) => w.code === 'records_missing')).toMatchObject({
      offset: from,
      message: expect.stringMatching(/chunk 0 at offset 64: 3 of the/),
    });
    expect(t.stats.recordsMissing).toBe(3);
  });

  it('a cut at every chunk boundary and right after the header: no_file_end with the offset', () => {
    const chunks = (good.length - 64 - CONTAINER.fileEndBytes) / (cb + CONTAINER.chunkEntryBytes);
    for (let k = 0; k <= chunks; k++) {
      const cut = 64 + k * cb;
      const t = readTrace(good.subarray(0, cut));
      expect(
        t.warnings.find((w) => w.code === 'no_file_end'),
        `cut at ${cut}`,
      ).toMatchObject({ offset: cut, message: expect.stringMatching(/was cut/) });
    }
  });

  it('a file end whose table or trailer is damaged is reported, and the chunks are still read', () => {
    const m = Buffer.from(good);
    m[good.length - CONTAINER.fileEndBytes - 3]! ^= 0x04; // a used_bytes entry
    const t = readTrace(m);
    expect(t.warnings.map((w) => w.code)).toEqual(['bad_file_end']);
    expect(t.records).toHaveLength(base.records.length);
    const e = Buffer.from(good);
    e[good.length - 10]! ^= 0x01; // the records total in the trailer
    expect(readTrace(e).warnings.map((w) => w.code)).toEqual(['bad_file_end']);
  });

  it('the single-bit flip format 1 let through (it detached a completion) is caught, as is every flip of that record', () => {
    // mt_inference.mpst: bit 157 of the complete record at offset 66160 changes its corr; the version-1 check still matched
    const v1 = golden('mt_inference.mpst');
    const u1 = new Uint32Array(v1.buffer.slice(v1.byteOffset, v1.byteOffset + v1.length));
    const w = 66160 / 4;
    expect(u1[w]! & 0xff).toBe(KIND.complete);
    const words = (u1[w]! >>> 8) & 0xff;
    u1[w + 4] = u1[w + 4]! ^ (1 << 29);
    expect(recordCheck(u1, w, words * 2), 'format 1 misses this flip').toBe(u1[w]! >>> 16);
    const v2 = upgradeToV2(v1);
    const good2 = readTrace(v2);
    for (let bit = 0; bit < words * 64; bit++) {
      const m = Buffer.from(v2);
      m[66160 + (bit >>> 3)]! ^= 1 << (bit & 7);
      const t = readTrace(m);
      expect(t.warnings.length, `bit ${bit}`).toBeGreaterThan(0);
      expect(t.records.length, `bit ${bit}`).toBeLessThan(good2.records.length);
    }
  });

  it('the CRC-16 matches its bitwise definition and detects every 1- and 2-bit error in a 255-word record', () => {
    const rand = prng(7);
    const u = new Uint32Array(255 * 2);
    for (let i = 0; i < u.length; i++) u[i] = (rand() * 4294967296) >>> 0;
    const bytes = new Uint8Array(u.buffer);
    expect(check16(u, 0, u.length)).toBe(crc16Bitwise(bytes, CONTAINER.crc16PolyReflected, CONTAINER.crc16Init));
    u[0] = u[0]! & 0xffff;
    const c = recordCheck16(u, 0, u.length);
    const bits = u.length * 32;
    for (let i = 0; i < bits; i++) {
      if (i >= 16 && i < 32) continue; // the check's own bits
      u[i >>> 5] = u[i >>> 5]! ^ (1 << (i & 31));
      expect(recordCheck16(u, 0, u.length) === c, `bit ${i}`).toBe(false);
      for (let d = 1; d <= 24 && i + d < bits; d += 7) {
        // 2-bit errors at a few distances
        const j = i + d;
        if (j >= 16 && j < 32) continue;
        u[j >>> 5] = u[j >>> 5]! ^ (1 << (j & 31));
        expect(recordCheck16(u, 0, u.length) === c, `bits ${i}, ${j}`).toBe(false);
        u[j >>> 5] = u[j >>> 5]! ^ (1 << (j & 31));
      }
      u[i >>> 5] = u[i >>> 5]! ^ (1 << (i & 31));
    }
  });

  it('a recorder killed before closing (no file end, not closed) is reported as incomplete, never as complete', () => {
    const m = Buffer.from(
      good.subarray(0, good.length - CONTAINER.fileEndBytes - ((good.length - 64 - CONTAINER.fileEndBytes) / (cb + 8)) * 8),
    );
    m.writeUInt32LE(m.readUInt32LE(20) & ~2, 20); // the closed flag
    m.writeUInt32LE(0, 60);
    m.writeUInt32LE(check16(new Uint32Array(m.buffer, m.byteOffset, 16), 0, 16), 60);
    const t = readTrace(m);
    expect(t.warnings.map((w) => w.code)).toEqual(['not_closed']);
    expect(t.warnings[0]!.message).toMatch(/no file end/);
    expect(t.records).toHaveLength(base.records.length);
  });
});

describe('info and analyze show the damage, with offsets, and exit 0 (a readable trace)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mpst-fuzz-cli-'));
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin', 'mpstrace.js'), ...args], { encoding: 'utf8' });

  it('8 zeroed bytes at a chunk start of a real buggy trace', () => {
    const good = upgradeToV2(golden('races/event_before_write_buggy.mpst'));
    const first = 64 + 32;
    const m = Buffer.from(good);
    m.fill(0, first, first + 8);
    const f = path.join(dir, 'zeroed.mpst');
    writeFileSync(f, m);
    const info = cli(['info', f, '--json']);
    expect(info.status).toBe(0);
    const j = JSON.parse(info.stdout);
    expect(j).toMatchObject({ format_version: '2.0', file_end: true, records_missing: 1 });
    expect(j.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'bad_record', offset: first }),
        expect.objectContaining({ code: 'records_missing', offset: first }),
      ]),
    );
    const text = cli(['info', f]);
    expect(text.stdout).toMatch(/damage {5}1 records lost to file damage/);
    const analyze = cli(['analyze', f]);
    expect(analyze.status).toBe(0);
    expect(analyze.stdout + analyze.stderr).toMatch(
      /warning: chunk 0 at offset 64: 1 of the \d+ records the file end lists are missing \(damage from offset 96\)/,
    );
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
