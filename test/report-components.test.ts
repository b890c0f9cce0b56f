// Deterministic tests of the viz components (pure functions, run in Node): level
// of detail, layout, time formatting, column decoding, range summary, the bundler.
import { describe, expect, it } from 'vitest';
import { lowerBound, visibleRange, mergeIntervals, busyBuckets, heatColumns, thinInstants, maxDurations } from '../viz/lod.js';
import { layoutLanes, laneAtY, trackAtY } from '../viz/layout.js';
import { formatDuration, tickFormatter, formatBytes } from '../viz/format.js';
import { decodeBase64, decodeColumn } from '../viz/decode.js';
import { summarizeRange, coveredByAtLeast } from '../viz/summary.js';
import { shadeFor, slotColor } from '../viz/colors.js';
import { column, table } from '../src/report/payload.js';
import { bundleViz } from '../src/report/bundle.js';
import { IntervalBuf, nestRows, packRows } from '../src/report/intervals.js';

const f64 = (a: number[]) => Float64Array.from(a);
const f32 = (a: number[]) => Float32Array.from(a);

describe('lod', () => {
  it('finds the visible index range using the longest duration', () => {
    const start = f64([0, 10, 20, 30, 40]);
    expect(lowerBound(start, 20, 0, 5)).toBe(2);
    expect(lowerBound(start, 21, 0, 5)).toBe(3);
    // an interval of up to 15 ns starting at 10 can reach 22
    expect(visibleRange(start, 0, 5, 15, 22, 35)).toEqual([1, 4]);
    expect(visibleRange(start, 0, 5, 1, 22, 30)).toEqual([3, 4]); // starts exactly at t1 stay
    expect(Array.from(maxDurations(f32([1, 5, 2, 9]), Uint32Array.from([0, 2, 4])))).toEqual([5, 9]);
  });

  it('merges sub-pixel neighbours and keeps separated work apart', () => {
    // 1000 intervals of 1 ns every 2 ns, then a wide one after a gap; 1 px = 100 ns
    const n = 1001;
    const start = new Float64Array(n);
    const dur = new Float32Array(n);
    for (let i = 0; i < 1000; i++) {
      start[i] = i * 2;
      dur[i] = 1;
    }
    start[1000] = 5000;
    dur[1000] = 1000;
    const m = mergeIntervals(start, dur, 0, n, 0, 0.01, 0);
    expect(m.n).toBe(2);
    expect(Array.from(m.count.subarray(0, 2))).toEqual([1000, 1]);
    expect(m.x[0]).toBe(0);
    expect(m.w[0]).toBeCloseTo(20.98, 2); // the last one is widened to the 1 px minimum
    expect([m.x[1], m.w[1]]).toEqual([50, 10]);
    expect(Array.from(m.first.subarray(0, 2))).toEqual([0, 1000]);
    // zoomed in (1 px = 0.1 ns) nothing merges
    const z = mergeIntervals(start, dur, 0, 10, 0, 10, 0);
    expect(z.n).toBe(10);
    // hits survive merging
    const h = mergeIntervals(start, dur, 0, n, 0, 0.01, 0, { isHit: (i: number) => i === 500 });
    expect(Array.from(h.hit.subarray(0, 2))).toEqual([1, 0]);
  });

  it('computes busy fractions per bucket and resamples them per pixel', () => {
    const b = busyBuckets(f64([0, 15, 38]), f32([5, 10, 100]), 0, 3, 0, 40, 4);
    expect(Array.from(b, (v) => +v.toFixed(6))).toEqual([0.5, 0.5, 0.5, 0.2]);
    const cols = heatColumns(b, 10, 0, 20, 2);
    expect(Array.from(cols, (v) => +v.toFixed(6))).toEqual([0.5, 0.35]);
    // overlapping work saturates at 1
    expect(Array.from(busyBuckets(f64([0, 0]), f32([10, 10]), 0, 2, 0, 10, 1))).toEqual([1]);
  });

  it('keeps one instant per pixel', () => {
    expect(thinInstants(f64([0, 0.5, 1, 3, 3.2, 10]), 0, 6, 0, 1, 0, 1)).toEqual([0, 2, 3, 5]);
  });
});

describe('layout', () => {
  const lanes = [
    { kind: 'stream', label: 'a' },
    { kind: 'thread', label: 'b' },
  ];
  const tracks = [
    { lane: 0, row: 0, kind: 'gpu' },
    { lane: 0, row: 1, kind: 'gpu' },
    { lane: 1, row: 0, kind: 'instant' },
    { lane: 1, row: 1, kind: 'nest' },
    { lane: 1, row: 2, kind: 'slot' },
  ];
  it('stacks lanes and their rows', () => {
    const l = layoutLanes(lanes as Parameters<typeof layoutLanes>[0], tracks as Parameters<typeof layoutLanes>[1]);
    expect({
      laneY: Array.from(l.laneY),
      laneH: Array.from(l.laneH),
      trackY: Array.from(l.trackY),
      height: l.height,
    }).toMatchInlineSnapshot(`
      {
        "height": 82,
        "laneH": [
          42,
          40,
        ],
        "laneY": [
          0,
          42,
        ],
        "trackY": [
          3,
          21,
          45,
          57,
          72,
        ],
      }
    `);
    expect(laneAtY(l, 41.9)).toBe(0);
    expect(laneAtY(l, 42)).toBe(1);
    expect(laneAtY(l, 500)).toBe(-1);
    expect(trackAtY(l, 60)).toBe(3);
  });
});

describe('format', () => {
  it('writes durations in readable units', () => {
    expect([0, 999, 1500, 2_000_000, 1.234e9, 75e9].map(formatDuration)).toEqual([
      '0 ns',
      '999 ns',
      '1.5 µs',
      '2 ms',
      '1.23 s',
      '1 min 15 s',
    ]);
    expect([0, 2_000_000, 4_000_000].map(tickFormatter(2_000_000))).toEqual(['0 ms', '2 ms', '4 ms']);
    expect([0, 500_000].map(tickFormatter(500_000))).toEqual(['0 µs', '500 µs']);
    expect([0, 250].map(tickFormatter(250))).toEqual(['0 ns', '250 ns']);
    expect([1e9, 1.5e9].map(tickFormatter(5e8))).toEqual(['1000 ms', '1500 ms']);
    expect([8.5e6, 8.6e6].map(tickFormatter(1e5, 9.6e6))).toEqual(['8.5 ms', '8.6 ms']);
    expect([1e9, 1.5e9].map(tickFormatter(5e8, 1.5e9))).toEqual(['1.0 s', '1.5 s']);
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});

describe('columns', () => {
  it('round-trips every column type through base64', () => {
    const cases = [
      f64([1.5, -2, 1e15 + 3]),
      f32([0.25, 3]),
      Uint32Array.from([0, 4294967295]),
      Uint16Array.from([7, 65535]),
      Uint8Array.from([1, 2, 3]),
    ];
    for (const a of cases) expect(Array.from(decodeColumn(column(a)) as ArrayLike<number>)).toEqual(Array.from(a));
    for (const s of ['', 'a', 'ab', 'abc', 'abcd']) expect(Buffer.from(decodeBase64(Buffer.from(s).toString('base64'))).toString()).toBe(s);
    expect(table(2, { a: Uint8Array.from([1, 2, 3]) }).cols.a.b64).toBe(Buffer.from([1, 2]).toString('base64'));
  });
});

describe('summary', () => {
  it('adds busy time per stream, overlap and blocked time', () => {
    const data = {
      lanes: [
        { kind: 'stream', label: 's1' },
        { kind: 'stream', label: 's2' },
        { kind: 'thread', label: 't' },
      ],
      tracks: [
        { lane: 0, row: 0 },
        { lane: 1, row: 0 },
        { lane: 2, row: 1 },
      ],
      trackOffsets: Uint32Array.from([0, 2, 3, 4]),
      start: f64([0, 50, 20, 10]),
      dur: f32([30, 50, 40, 80]),
      cat: Uint8Array.from([0, 0, 0, 1]),
      catNames: ['kernel', 'sync'],
      maxDur: f64([50, 40, 80]),
    };
    const s = summarizeRange(data as unknown as Parameters<typeof summarizeRange>[0], 10, 90);
    expect(s.streams.map((x: { busyNs: number }) => x.busyNs)).toEqual([60, 40]);
    expect(s.overlapNs).toBe(20); // 20-30 and 50-60
    expect(s.anyBusyNs).toBe(80);
    expect(s.threads[0].blockedNs).toBe(80);
    expect(coveredByAtLeast([[[0, 10]], [[5, 20]], [[8, 9]]], 3)).toBe(1);
  });
});

describe('rows', () => {
  it('packs overlapping work into extra rows and nests calls', () => {
    const b = new IntervalBuf();
    for (const [s, d] of [
      [0, 10],
      [2, 3],
      [4, 10],
      [12, 1],
      [20, 5],
    ])
      b.push(s, d, 0, 0, 0, 0);
    const order = b.order();
    expect(Array.from(packRows(b, order))).toEqual([0, 1, 2, 0, 0]);
    // [12,13] lies inside [4,14] (row 2), so it goes below it
    expect(Array.from(nestRows(b, order))).toEqual([0, 1, 2, 3, 0]);
  });
});

describe('bundle and colours', () => {
  it('bundles viz/ into one script with no module syntax left', () => {
    const js = bundleViz();
    expect(/^\s*(import|export)\s/m.test(js)).toBe(false);
    expect(js.trim().endsWith('})();')).toBe(true);
    expect(() => new Function(js)).not.toThrow(); // parses
    expect(js.indexOf('// ---- viz/lod.js')).toBeLessThan(js.indexOf('// ---- viz/app.js'));
  });

  it('shades names deterministically within their category', () => {
    expect(shadeFor('kernel', 0)).toBe('#3b7dd8');
    expect(shadeFor('kernel', 42)).toBe(shadeFor('kernel', 42));
    expect(shadeFor('kernel', 42)).toMatch(/^#[0-9a-f]{6}$/);
    expect(slotColor('slot 3 · stream 0xb0 (acquire → release)')).toBe(slotColor('slot 13 · stream 0xa0 (set_current)'));
    expect(slotColor('slot 3')).not.toBe(slotColor('slot 4'));
    expect(slotColor('range')).toBe(null);
  });
});

describe('kernel labels (viz/names.js)', () => {
  it('shortens mangled and demangled C++ names to the function and its first named template argument', async () => {
    const { shortName } = await import('../viz/names.js');
    // names from the bundled H200 trace (submissions.name)
    expect(shortName('_ZN2at4cuda40_GLOBAL__N__758183f4_8_Sleep_cu_088d913f11spin_kernelEl')).toBe('spin_kernel');
    expect(shortName('_ZN2at6native29vectorized_elementwise_kernelILi4ENS0_11FillFunctorIfEESt5arrayIPcLm1EEEEviT0_T1_')).toBe(
      'vectorized_elementwise_kernel<FillFunctor>',
    );
    expect(shortName('_Z10add_kernelPfS_i')).toBe('add_kernel');
    // the same kernel demangled (the capture branch demangles strings at load)
    expect(
      shortName(
        'void at::native::vectorized_elementwise_kernel<4, at::native::FillFunctor<float>, std::array<char*, 1ul> >(int, at::native::FillFunctor<float>, std::array<char*, 1ul>)',
      ),
    ).toBe('vectorized_elementwise_kernel<FillFunctor>');
    expect(shortName('at::(anonymous namespace)::spin_kernel(long)')).toBe('spin_kernel');
    expect(shortName('launch _ZN2at4cuda40_GLOBAL__N__758183f4_8_Sleep_cu_088d913f11spin_kernelEl')).toBe('launch spin_kernel');
    // anything else stays as it is
    for (const s of ['memcpy d2h', 'step <b>1</b>', 'cudaStreamSynchronize stream 0xa0', '_Zgarbage', '']) expect(shortName(s)).toBe(s);
  });
});

describe("times at the view's precision (viz/format.js timeFormatter)", () => {
  it('shows µs-apart points apart at µs zoom and rounds at full view', async () => {
    const { timeFormatter } = await import('../viz/format.js');
    expect(timeFormatter(10e3, 3.29e9)(3286732123)).toBe('3.28673212 s');
    expect(timeFormatter(3.9e9)(3286732123)).toBe('3.287 s');
    expect(timeFormatter(2e6, 5e6)(3286732)).toBe('3.287 ms');
    const f = timeFormatter(50e3, 3.3e9);
    expect(f(3286732000)).not.toBe(f(3286742000)); // 10 µs apart in a 50 µs view
  });
});

describe('first view and flows', () => {
  it('fits the first view to the activity, not the idle start-up or context notes', async () => {
    const { activityRange } = await import('../viz/model.js');
    const data = {
      spanNs: 4e9,
      catNames: ['kernel', 'range'],
      nIntervals: 3,
      start: f64([3e9, 0, 3.5e9]),
      dur: f32([1e6, 4e9, 1e6]),
      cat: Uint8Array.from([0, 1, 0]),
      instants: { n: 1, ts: f64([3.2e9]) },
      findings: [
        { severity: 'info', t0: 0, t1: 0 },
        { severity: 'error', t0: 3.1e9, t1: 3.9e9 },
      ],
    };
    const [a, b] = activityRange(data as unknown as Parameters<typeof activityRange>[0]);
    const pad = (3.9e9 - 3e9) * 0.03;
    expect(a).toBeCloseTo(3e9 - pad, -3);
    expect(b).toBeCloseTo(Math.min(4e9, 3.9e9 + pad), -3);
  });

  it('groups arrows that share pixel bins and lanes into one with a count (no black bar)', async () => {
    const { groupFlows, FLOW_BIN_PX } = await import('../viz/flows.js');
    const n = 300;
    const flows = {
      n,
      fromTs: f64(Array.from({ length: n }, (_, i) => i)),
      toTs: f64(Array.from({ length: n }, (_, i) => i + 10)),
      fromLane: new Uint16Array(n),
      toLane: new Uint16Array(n).fill(1),
      kind: new Uint8Array(n),
    };
    // only the rows groupFlows reads
    const layout = { trackY: [0, 20], trackH: [10, 10], laneY: [0, 20] } as unknown as Parameters<typeof groupFlows>[1];
    // 300 arrows within 310 ns on a 1000 px view of 100 µs: all within one bin
    const g = groupFlows(
      { flows: { ...flows, maxLag: 10 } } as unknown as Parameters<typeof groupFlows>[0],
      layout,
      { t0: 0, t1: 100e3, width: 1000, top: 0, height: 500 },
      Int32Array.from([0, 1]),
      Int32Array.from([-1, -1]),
    )!;
    expect(g.length).toBeLessThanOrEqual(2);
    expect(g.reduce((s: number, x: { n: number }) => s + x.n, 0)).toBe(n);
    // zoomed in to 400 ns across 1000 px, each arrow has its own bins
    const z = groupFlows(
      { flows: { ...flows, maxLag: 10 } } as unknown as Parameters<typeof groupFlows>[0],
      layout,
      { t0: 0, t1: 400, width: 1000, top: 0, height: 500 },
      Int32Array.from([0, 1]),
      Int32Array.from([-1, -1]),
    )!;
    expect(z.length).toBeGreaterThan(n / (FLOW_BIN_PX / 2.5) - 5);
    // more than the limit in view: not grouped at all (the frame stays cheap; the status line says zoom in)
    expect(
      groupFlows(
        { flows: { ...flows, maxLag: 10 } } as unknown as Parameters<typeof groupFlows>[0],
        layout,
        { t0: 0, t1: 100e3, width: 1000, top: 0, height: 500 },
        Int32Array.from([0, 1]),
        Int32Array.from([-1, -1]),
        100,
      ),
    ).toBeNull();
    // a view after all the arrows finds none by binary search
    expect(
      groupFlows(
        { flows: { ...flows, maxLag: 10 } } as unknown as Parameters<typeof groupFlows>[0],
        layout,
        { t0: 1e6, t1: 2e6, width: 1000, top: 0, height: 500 },
        Int32Array.from([0, 1]),
        Int32Array.from([-1, -1]),
      ),
    ).toEqual([]);
  });
});
