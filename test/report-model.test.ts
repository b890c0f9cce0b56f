import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTrace, type LoadedTrace } from '../src/ingest/load.js';
import { buildReportPayload } from '../src/report/model.js';
import { renderHtml, jsonForScript, d3Source, packForPage } from '../src/report/html.js';
import type { ReportPayload } from '../src/report/payload.js';
import { decodeTable, lazyStrings, unpackPayload } from '../viz/decode.js';
import { decodeModel } from '../viz/model.js';
import { knownTrace, knownFinding, HOSTILE, MS } from './report-fixture.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mpst-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let loaded: LoadedTrace;
let payload: ReportPayload;
beforeAll(async () => {
  const file = path.join(dir, 'known.mpst');
  knownTrace().writeFile(file);
  loaded = await openTrace(file);
  payload = (await buildReportPayload(loaded, { tracePath: file, findings: [knownFinding()] })).payload;
});
afterAll(() => loaded?.close());

/** Decoded intervals as rows: {lane, track kind, start ms, dur ms, name, cat, flags}. */
function intervals(p: ReportPayload) {
  const t = decodeTable(p.intervals) as Record<string, any>;
  const rows = [];
  for (let tr = 0; tr < p.tracks.length; tr++) {
    for (let i = p.intervals.offsets[tr]; i < p.intervals.offsets[tr + 1]; i++) {
      rows.push({
        lane: p.lanes[p.tracks[tr].lane].label,
        track: p.tracks[tr].kind,
        row: p.tracks[tr].row,
        start: t.start[i] / MS,
        dur: Math.round(t.dur[i]) / MS,
        name: p.strings[t.name[i]],
        cat: p.categories[t.cat[i]],
        flags: t.flags[i],
      });
    }
  }
  return rows;
}

describe('report payload from a known trace', () => {
  it('has one lane per stream, then one per thread, labelled with the trace names', () => {
    expect(payload.lanes.map((l) => [l.kind, l.label])).toEqual([
      ['stream', 'stream 0xa0'],
      ['stream', 'stream 0xb0'],
      ['thread', HOSTILE.thread1],
      ['thread', HOSTILE.thread2],
    ]);
    expect(payload.spanNs).toBe(10 * MS);
  });

  it('places GPU work, syncs, ranges and slot spans on their lanes with exact times', () => {
    const rows = intervals(payload);
    expect(rows).toEqual([
      { lane: 'stream 0xa0', track: 'gpu', row: 0, start: 1, dur: 3, name: HOSTILE.kernelA, cat: 'kernel', flags: 0 },
      { lane: 'stream 0xa0', track: 'gpu', row: 0, start: 5, dur: 1, name: 'gemm', cat: 'kernel', flags: 0 },
      { lane: 'stream 0xb0', track: 'gpu', row: 0, start: 2, dur: 1, name: HOSTILE.kernelB, cat: 'kernel', flags: 0 },
      { lane: 'stream 0xb0', track: 'gpu', row: 0, start: 7, dur: 1, name: 'memcpy d2h', cat: 'memcpy', flags: 0 },
      // host API calls: the launch or copy call that submitted each GPU interval, on its thread
      { lane: HOSTILE.thread1, track: 'api', row: 1, start: 0.9, dur: 0, name: `launch ${HOSTILE.kernelA}`, cat: 'launch', flags: 0 },
      { lane: HOSTILE.thread1, track: 'api', row: 1, start: 4.5, dur: 0, name: 'launch gemm', cat: 'launch', flags: 0 },
      { lane: HOSTILE.thread1, track: 'nest', row: 2, start: 0.5, dur: 8.5, name: HOSTILE.range, cat: 'range', flags: 0 },
      { lane: HOSTILE.thread1, track: 'nest', row: 3, start: 6.5, dur: 0.5, name: 'cudaDeviceSynchronize', cat: 'sync', flags: 0 },
      { lane: HOSTILE.thread2, track: 'api', row: 1, start: 1.5, dur: 0, name: `launch ${HOSTILE.kernelB}`, cat: 'launch', flags: 0 },
      { lane: HOSTILE.thread2, track: 'api', row: 1, start: 6.6, dur: 0, name: 'memcpy d2h', cat: 'launch', flags: 0 },
      // never returned: drawn to the end of the trace and flagged open (bit 0)
      { lane: HOSTILE.thread2, track: 'nest', row: 2, start: 8, dur: 2, name: 'cudaEventSynchronize event 0xe7', cat: 'sync', flags: 1 },
      {
        lane: HOSTILE.thread2,
        track: 'slot',
        row: 3,
        start: 0.2,
        dur: 9.3,
        name: 'slot 3 · stream 0xb0 (acquire → release)',
        cat: 'slot',
        flags: 0,
      },
    ]);
  });

  it('links the event record to both waits that consume it', () => {
    const f = decodeTable(payload.flows) as Record<string, any>;
    const flows = Array.from({ length: f.n }, (_, i) => [f.fromLane[i], f.fromTs[i] / MS, f.toLane[i], f.toTs[i] / MS, f.kind[i]]);
    expect(flows).toEqual([
      [2, 0.9, 0, 1, 1], // launch (thread 1) -> its kernel on stream 0xa0, paired by correlation id
      [3, 1.5, 1, 2, 1],
      [2, 4.1, 3, 4.2, 0], // device-side event wait
      [2, 4.1, 3, 8, 0], // host cudaEventSynchronize on the event
      [2, 4.5, 0, 5, 1],
      [3, 6.6, 1, 7, 1], // the copy call -> the copy on stream 0xb0
    ]);
    const inst = decodeTable(payload.instants) as Record<string, any>;
    const names = Array.from({ length: inst.n }, (_, i) => payload.strings[inst.name[i]]);
    expect(names).toContain('record event 0xe7 on stream 0xa0');
    expect(names).toContain('stream 0xb0 waits for event 0xe7');
  });

  it('maps a finding to its time range and lanes', () => {
    expect(payload.findings).toHaveLength(1);
    const f = payload.findings[0];
    // the evidence is the begin of a wait that never returned: the band runs to the end of the trace, as the call does
    expect([f.t0, f.t1]).toEqual([8 * MS, 10 * MS]);
    expect(f.lanes).toEqual([3]);
    expect(f.sites).toEqual(['at::cuda::record <x>+0x10 (libtorch_cuda.so)']);
  });

  it('runs analyzeTrace itself when no findings are given, without failing the report', async () => {
    const { payload: p } = await buildReportPayload(loaded, {});
    expect(p.findingsNote ?? '').not.toMatch(/unavailable/);
    expect(Array.isArray(p.findings)).toBe(true);
  });
});

describe('report HTML', () => {
  it('inlines everything and keeps trace strings out of markup', () => {
    const html = renderHtml(payload);
    // (booleans, so that a failure does not print 300 kB of page)
    // no external resources of any kind
    expect(/<script[^>]+src=/i.test(html)).toBe(false);
    expect(/<link[^>]+href=/i.test(html)).toBe(false);
    // exactly three script elements: data, d3, app; the hostile names never open or close one
    expect(html.match(/<script\b/gi)?.length).toBe(3);
    expect(html.match(/<\/script>/gi)?.length).toBe(3);
    const data = html.slice(html.indexOf('id="mpstrace-data">') + 19, html.indexOf('</script>'));
    // trace strings live only inside the JSON data element, with every `<` escaped
    expect(data.includes('<')).toBe(false);
    expect(html.replace(data, '').includes('PWNED')).toBe(false);
    expect(JSON.parse(data).lanes[2].label).toBe(HOSTILE.thread1);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/);
  });

  it('escapes everything that could end a script element', () => {
    const s = jsonForScript({ a: '</script><!-- \u2028 & >' });
    expect(s).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(s)).toEqual({ a: '</script><!-- \u2028 & >' });
  });

  it('carries the data deflated, and the page reads back every column value and string', async () => {
    const packed = packForPage(payload);
    // the page's form has no strings or base64 columns in clear
    expect(packed.strings).toEqual([]);
    for (const t of [packed.intervals, packed.instants, packed.flows])
      for (const c of Object.values(t.cols)) expect([c.b64, Array.isArray(c.at)]).toEqual([undefined, true]);
    // ids here are small: u32 name and site columns travel as u8
    expect([packed.intervals.cols.name.type, packed.intervals.cols.site.type]).toEqual(['u8', 'u8']);
    const page = decodeModel(await unpackPayload(JSON.parse(jsonForScript(packed))));
    const plain = decodeModel(payload);
    for (const k of ['start', 'dur', 'name', 'site', 'cat', 'flags'] as const)
      expect(Array.from(page[k] as ArrayLike<number>)).toEqual(Array.from(plain[k] as ArrayLike<number>));
    for (const k of ['ts', 'name', 'site', 'cat'] as const)
      expect(Array.from(page.instants[k] as ArrayLike<number>)).toEqual(Array.from(plain.instants[k] as ArrayLike<number>));
    for (const k of ['fromTs', 'toTs', 'fromLane', 'toLane', 'kind'] as const)
      expect(Array.from(page.flows[k] as ArrayLike<number>)).toEqual(Array.from(plain.flows[k] as ArrayLike<number>));
    expect(page.allStrings()).toEqual(payload.strings);
    expect(payload.strings.map((_, i) => page.str(i))).toEqual(payload.strings);
    expect(page.allStrings()).toContain(HOSTILE.kernelB);
  });

  it('decodes strings one at a time from UTF-8 bytes', () => {
    const list = ['', 'gemm', 'ü → 中文 😀', 'x'];
    const bytes = list.map((x) => Buffer.from(x, 'utf8'));
    const offsets = new Uint32Array(list.length + 1);
    bytes.forEach((b, i) => {
      offsets[i + 1] = offsets[i] + b.length;
    });
    const t = lazyStrings(new Uint8Array(Buffer.concat(bytes)), offsets);
    expect([t.n, t.get(2), t.get(9), t.get(-1)]).toEqual([4, 'ü → 中文 😀', '', '']);
    expect(t.all()).toEqual(list);
  });

  it('is compact: columns, not objects', () => {
    const html = renderHtml(payload);
    const d3 = d3Source().length;
    expect(html.length - d3).toBeLessThan(120_000);
  });
});
