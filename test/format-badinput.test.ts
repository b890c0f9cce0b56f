import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TraceWriter } from '../src/format/writer.js';
import { readTrace, TraceReader } from '../src/format/reader.js';
import { check16 } from '../src/format/checksum.js';
import { CONTAINER, KIND, KINDS } from '../src/format/schema.generated.js';
import { UserError } from '../src/util/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mpst-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHUNK = 4096;

/** A small trace spanning several chunks of three threads. */
function smallTrace(): Buffer {
  const w = new TraceWriter({ backend: 'cuda', chunkBytes: CHUNK });
  w.record(1, 'process_start', 1, { pid: 1, backend: 'cuda', recorder: 'test' });
  for (let i = 0; i < 260; i++) {
    const tid = 1 + (i % 3);
    if (i % 5 === 0) w.record(tid, 'slot_acquire', 10 + i, { stream: 0x100 + tid, slot: tid, source: 'api' });
    else w.record(tid, 'submit', 10 + i, { stream: 0x100 + tid, name: `k${i % 9}`, corr: i });
  }
  return w.toBuffer();
}

interface RecordAt {
  start: number;
  end: number;
  kind: number;
}

/** Independent walk of the container layout: where every record of an undamaged file lies. */
function layout(buf: Buffer): RecordAt[] {
  const out: RecordAt[] = [];
  for (let c = 64; c + CHUNK <= buf.length; c += CHUNK) {
    if (buf.readUInt32LE(c) === 0) continue;
    for (let p = c + 32; p + 8 <= c + CHUNK; ) {
      const w0 = buf.readUInt32LE(p);
      if (w0 === 0) break;
      const bytes = ((w0 >>> 8) & 0xff) * 8;
      out.push({ start: p, end: p + bytes, kind: w0 & 0xff });
      p += bytes;
    }
  }
  return out;
}

const expectUserError = (f: () => unknown, re: RegExp) => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UserError);
  expect((err as Error).message).toMatch(re);
};

function setHeaderU32(buf: Buffer, off: number, v: number): Buffer {
  const b = Buffer.from(buf);
  b.writeUInt32LE(v >>> 0, off);
  b.writeUInt32LE(0, 60);
  b.writeUInt32LE(check16(new Uint32Array(b.buffer, b.byteOffset, 16), 0, 16), 60);
  return b;
}

describe('bad input', () => {
  const good = smallTrace();
  const recs = layout(good);
  const nonString = recs.filter((r) => r.kind !== KIND.string);

  it('reads the undamaged trace completely', () => {
    const t = readTrace(good);
    expect(t.warnings).toEqual([]);
    expect(t.records).toHaveLength(nonString.length);
    expect(good.length).toBeGreaterThan(64 + 2 * CHUNK);
  });

  it('empty file', () => {
    const f = path.join(dir, 'empty.mpst');
    writeFileSync(f, '');
    expectUserError(() => TraceReader.open(f), /empty file \(0 bytes\)/);
  });

  it('not a trace', () => {
    const f = path.join(dir, 'notes.txt');
    writeFileSync(f, '{"ts": 1, "name": "this is JSON, not a trace"}\n'.repeat(4));
    expectUserError(() => TraceReader.open(f), /not an mpstrace trace: offset 0 holds '\{"ts": 1'.*expected 'MPSTRACE'/);
  });

  it('wrong magic', () => {
    const b = Buffer.from(good);
    b.write('MPSTRACX', 0, 'latin1');
    expectUserError(() => TraceReader.fromBuffer(b), /not an mpstrace trace: offset 0 holds 'MPSTRACX'.*damaged/);
  });

  it('newer major version names both versions', () => {
    const w = new TraceWriter({ backend: 'cuda', version: { major: 3, minor: 1 } });
    w.record(1, 'marker', 1);
    expectUserError(() => TraceReader.fromBuffer(w.toBuffer()), /version 3\.1 is newer than this mpstrace reads \(2\.0\); upgrade/);
  });

  it('truncated at every byte: recovers every complete record and reports the torn tail offset', () => {
    const dataEnd = 64 + Math.floor((good.length - 64) / CHUNK) * CHUNK; // the chunk table and file end follow
    for (let cut = 0; cut < good.length; cut++) {
      const part = good.subarray(0, cut);
      if (cut < 64) {
        expectUserError(() => TraceReader.fromBuffer(part), cut === 0 ? /empty file/ : /shorter than the 64-byte trace header/);
        continue;
      }
      const r = TraceReader.fromBuffer(part);
      let n = 0;
      for (const b of r.batches(512)) n += b.count;
      const complete = nonString.filter((x) => x.end <= cut && x.start < 64 + Math.floor((cut - 64) / CHUNK) * CHUNK + CHUNK).length;
      expect(n, `cut at ${cut}`).toBe(complete);
      // Every cut loses the file end: never silent, whatever else is said.
      expect(
        r.warnings.find((w) => w.code === 'no_file_end'),
        `cut at ${cut}`,
      ).toMatchObject({ offset: cut });
      const torn = r.warnings.filter((w) => w.code === 'torn_tail');
      if (cut >= dataEnd) continue; // inside the table: read as a damaged last chunk
      if ((cut - 64) % CHUNK === 0) expect(torn, `cut at ${cut}`).toEqual([]);
      else {
        expect(torn, `cut at ${cut}`).toHaveLength(1);
        const off = torn[0]!.offset!;
        expect(off).toBeGreaterThanOrEqual(64);
        expect(off).toBeLessThanOrEqual(cut);
        expect(torn[0]!.message).toContain(`offset ${off}`);
        // The reported offset is the first byte not read: the start of the cut record or the end of the file.
        const cutRecord = recs.find((x) => x.start < cut && x.end > cut);
        expect(off).toBe(cutRecord ? cutRecord.start : cut);
      }
    }
  });

  it('truncated mid-chunk-header', () => {
    const cut = 64 + CHUNK + 10;
    const t = readTrace(good.subarray(0, cut));
    expect(t.records.length).toBe(nonString.filter((x) => x.end <= 64 + CHUNK).length);
    expect(t.warnings).toEqual([
      { code: 'no_file_end', offset: cut, message: expect.stringMatching(/without the file end/) },
      { code: 'torn_tail', offset: cut, message: expect.stringMatching(/inside the header of chunk 1/) },
    ]);
  });

  it('bit flips in the middle are reported with their offset and the rest is read', () => {
    const victim = nonString[Math.floor(nonString.length / 2)]!;
    const b = Buffer.from(good);
    b[victim.start + 17]! ^= 0x10;
    const t = readTrace(b);
    expect(t.records).toHaveLength(nonString.length - 1);
    const bad = t.warnings.filter((w) => w.code === 'bad_record');
    expect(bad).toHaveLength(1);
    expect(bad[0]!.offset).toBe(victim.start);
    expect(bad[0]!.message).toMatch(new RegExp(`offset ${victim.start}.*resumed at the next valid record, offset ${victim.end}`));

    const c = Buffer.from(good);
    c[64 + CHUNK + 9]! ^= 0x01; // the tid in chunk 1's header
    const u = readTrace(c);
    const inChunk1 = nonString.filter((x) => x.start >= 64 + CHUNK && x.start < 64 + 2 * CHUNK).length;
    expect(u.records).toHaveLength(nonString.length - inChunk1);
    expect(u.warnings.find((w) => w.code === 'bad_chunk')).toMatchObject({
      offset: 64 + CHUNK,
      message: expect.stringMatching(/check failed/),
    });
  });

  it('a killed recorder: a half-written header of an empty chunk loses nothing and is not damage; over records it is', () => {
    // A run of chunks is claimed, then headed one by one: SIGKILL between the
    // header's stores leaves a chunk whose check (or index) is not written yet.
    const w = new TraceWriter({ backend: 'cuda', chunkBytes: CHUNK, closed: false });
    for (let i = 0; i < 40; i++) w.record(1, 'submit', 10 + i, { stream: 0x101, name: 'k', corr: i });
    const base = w.toBuffer();
    const full = readTrace(base);
    const torn = Buffer.concat([base, Buffer.alloc(CHUNK)]);
    const at = base.length;
    torn.writeUInt32LE(CONTAINER.chunkMagic, at);
    torn.writeUInt32LE(Math.floor((at - 64) / CHUNK), at + 4); // its index
    torn.writeUInt32LE(0x7777, at + 8); // tid; the check is not written yet
    const t = readTrace(torn);
    expect(t.records).toHaveLength(full.records.length);
    expect(t.warnings.map((x) => x.code)).toEqual(['not_closed']);

    // the same header over a record is damage: warned, with its offset
    torn.writeUInt32LE(0x0404_0001, at + 32);
    const d = readTrace(torn);
    expect(d.warnings.find((x) => x.code === 'bad_chunk')).toMatchObject({ offset: at });
    // and in a file closed cleanly, even an empty chunk's bad header is reported
    const closed = Buffer.from(torn);
    closed.writeUInt32LE(0, at + 32);
    const w2 = new TraceWriter({ backend: 'cuda', chunkBytes: CHUNK, closed: true, fileEnd: false });
    for (let i = 0; i < 40; i++) w2.record(1, 'submit', 10 + i, { stream: 0x101, name: 'k', corr: i });
    const c2 = Buffer.concat([w2.toBuffer(), closed.subarray(at)]);
    expect(readTrace(c2).warnings.map((x) => x.code)).toContain('bad_chunk');
  });

  it('unknown kinds from a newer minor writer are skipped, counted and warned once per kind', () => {
    const w = new TraceWriter({ backend: 'cuda', version: { major: 1, minor: 7 }, chunkBytes: CHUNK });
    for (let i = 0; i < 30; i++) {
      w.record(1, 'marker', i, { name: 'm' });
      if (i % 3 === 0) w.recordRaw(1, 200, i, [1, 2, 3]);
      if (i % 10 === 0) w.recordRaw(2, 201, i, [7]);
    }
    const t = readTrace(w.toBuffer());
    expect(t.records.filter((r) => r.kind === KIND.marker)).toHaveLength(30);
    expect(t.records.every((r) => r.kind === KIND.marker)).toBe(true);
    expect([...t.stats.unknownKinds.entries()].sort()).toEqual([
      [200, 10],
      [201, 3],
    ]);
    const warned = t.warnings.filter((x) => x.code === 'unknown_kind');
    expect(warned.map((x) => x.message.match(/kind (\d+)/)![1])).toEqual(['200', '201']);
    expect(warned[0]!.message).toContain('1.7');
  });

  it('an impossible time in any ns payload field of any kind is read as 0 and warned with its name', () => {
    const ns = KINDS.flatMap((k) => k.fields.filter((f) => f.unit === 'ns' && f.bytes === 8).map((f) => ({ kind: k, field: f })));
    expect(ns.map((x) => x.field.word).sort()).toContain(0);
    const w = new TraceWriter({ backend: 'cuda', chunkBytes: CHUNK });
    for (const [i, { kind, field }] of ns.entries()) {
      w.record(1, kind.name, 100 + i, { [field.name]: 1n << 62n });
      w.record(1, kind.name, 200 + i, { [field.name]: (1n << 62n) - 1n });
    }
    const d = readTrace(w.toBuffer());
    const warned = d.warnings.filter((x) => x.code === 'bad_timestamp');
    expect(warned.length).toBe(Math.min(ns.length, 20));
    for (const [i, { kind, field }] of ns.entries()) {
      const bad = d.records.find((r) => r.ts === BigInt(100 + i))!;
      const good = d.records.find((r) => r.ts === BigInt(200 + i))!;
      expect(bad.kind).toBe(kind.id);
      expect(bad.p[field.word]).toBe(0n);
      expect(good.p[field.word]).toBe((1n << 62n) - 1n);
      if (i < 20) expect(warned[i]!.message).toContain(`${kind.name}) has the impossible ${field.name} ${1n << 62n} ns`);
    }
  });

  it('a directory or a missing path', () => {
    const d = path.join(dir, 'a-dir');
    mkdirSync(d);
    expectUserError(() => TraceReader.open(d), /is a directory/);
    expectUserError(() => TraceReader.open(path.join(dir, 'missing.mpst')), /no such file/);
  });

  it('huge claimed lengths in a header or record', () => {
    expectUserError(() => TraceReader.fromBuffer(setHeaderU32(good, 16, 0xffffffff)), /offset 16 claims a chunk size of 4294967295 bytes/);
    expectUserError(() => TraceReader.fromBuffer(setHeaderU32(good, 16, 6000)), /chunk size of 6000 bytes/);
    expectUserError(() => TraceReader.fromBuffer(setHeaderU32(good, 12, 0x7fffffff)), /offset 12 claims a header size of 2147483647/);
    // A string record claiming 4 GB, with a valid check: rejected as corrupt, the rest read.
    const str = recs.find((r) => r.kind === KIND.string)!;
    const b = Buffer.from(good);
    b.writeUInt32LE(0xffffffff, str.start + 20);
    const u = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
    const w0 = str.start / 4;
    u[w0] = u[w0]! & 0xffff;
    u[w0] = (u[w0]! | (check16(u, w0, (str.end - str.start) / 4) << 16)) >>> 0;
    const t = readTrace(b);
    expect(t.warnings.find((x) => x.code === 'bad_record')).toMatchObject({
      offset: str.start,
      message: expect.stringMatching(/claims 4294967295 bytes/),
    });
    expect(t.records).toHaveLength(nonString.length);
  });

  it('randomized mutations: no crash, no hang, bounded memory', () => {
    let seed = 12345;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const rssBefore = process.memoryUsage().rss;
    let userErrors = 0;
    let decoded = 0;
    const started = Date.now();
    for (let i = 0; i < 3000; i++) {
      let b = Buffer.from(good);
      const ops = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < ops; k++) {
        const op = Math.floor(rand() * 6);
        const at = Math.floor(rand() * b.length);
        if (op === 0) b[at]! ^= 1 << Math.floor(rand() * 8);
        else if (op === 1) b.fill(Math.floor(rand() * 256), at, Math.min(b.length, at + Math.floor(rand() * 64)));
        else if (op === 2) b = b.subarray(0, at);
        else if (op === 3 && b.length >= 64) b.writeUInt32LE(Math.floor(rand() * 4294967296), at & 0x3c);
        else if (op === 4) b.copy(b, at, Math.floor(rand() * b.length), b.length);
        else b = Buffer.concat([b, b.subarray(64, 64 + Math.floor(rand() * 2 * CHUNK))]);
      }
      try {
        const t = readTrace(b);
        decoded++;
        expect(t.records.length).toBeLessThanOrEqual(Math.ceil(b.length / 16));
      } catch (e) {
        if (!(e instanceof UserError)) throw new Error(`mutation ${i}: ${(e as Error).stack}`);
        userErrors++;
      }
    }
    expect(decoded).toBeGreaterThan(1000);
    expect(userErrors).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(55_000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 << 20);
  });
});
