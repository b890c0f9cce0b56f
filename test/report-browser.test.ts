// The report in a real headless Chromium: loads offline with no errors, draws the
// lanes (checked on screenshot pixels), zooms to a clicked finding, and shows
// hostile names as text without running them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { openTrace } from '../src/ingest/load.js';
import { buildReportPayload } from '../src/report/model.js';
import { renderHtml } from '../src/report/html.js';
import { writeReport } from '../src/report/writeReport.js';
import { launch, openReport, pageState, screenshotPixels, settle, type OpenedPage } from './browser/harness.js';
import { TraceWriter } from '../src/format/writer.js';
import { synthesize } from '../src/synth/generate.js';
import { knownTrace, knownFinding, HOSTILE, MS } from './report-fixture.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mpst-browser-'));
let browser: Browser;
let report: string;
let opened: OpenedPage;

beforeAll(async () => {
  const trace = path.join(dir, 'known.mpst');
  knownTrace().writeFile(trace);
  const loaded = await openTrace(trace);
  try {
    const { payload } = await buildReportPayload(loaded, { tracePath: trace, findings: [knownFinding()] });
    report = path.join(dir, 'known.html');
    writeFileSync(report, renderHtml(payload));
  } finally {
    loaded.close();
  }
  browser = await launch();
  opened = await openReport(browser, report);
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Geometry {
  left: number;
  top: number;
  width: number;
  scrollTop: number;
  laneY: number[];
  laneH: number[];
  trackY: number[];
  trackH: number[];
  tracks: { lane: number; row: number; kind: string }[];
}

/** Screen point of time `t` (ns since start) near the top of track `track` (above any name drawn in it). */
async function pointAt(t: number, track: number): Promise<[number, number]> {
  const s = await pageState(opened.page);
  const g = (await opened.page.evaluate(() => (window as any).__MPSTRACE__.geometry())) as Geometry;
  const [d0, d1] = s.domain as [number, number];
  return [g.left + ((t - d0) / (d1 - d0)) * g.width, g.top + g.trackY[track] + 2.5 - g.scrollTop];
}

const isBlue = ([r, g, b]: number[]) => b > r + 60 && b > g + 20;
const isRed = ([r, g, b]: number[]) => r > g + 80 && r > b + 80;
const isLight = ([r, g, b]: number[]) => r > 220 && g > 220 && b > 220;

describe('report of a real CUDA trace', () => {
  it('shows the buggy stream pool run with its findings, and a click zooms to the first one', async () => {
    const trace = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'traces/cuda/pool/stream_pool_buggy.mpst');
    const loaded = await openTrace(trace);
    const file = path.join(dir, 'pool.html');
    try {
      writeFileSync(file, renderHtml((await buildReportPayload(loaded, { tracePath: trace })).payload));
    } finally {
      loaded.close();
    }
    const o = await openReport(browser, file);
    const s0 = await pageState(o.page);
    expect(o.errors).toEqual([]);
    expect(o.network).toEqual([]);
    expect(s0.findings).toBeGreaterThan(3);
    expect(s0.intervals).toBeGreaterThan(20);
    await o.page.click('li.finding');
    await settle(o.page);
    const s1 = await pageState(o.page);
    expect(s1.domain[1] - s1.domain[0]).toBeLessThan((s0.domain[1] - s0.domain[0]) / 10);
    expect(s1.markers).toBeGreaterThan(0);
    expect(await o.page.textContent('#details')).toMatch(/severity/);
    await o.page.close();
  });
});

describe('report of a trace over the item limit', () => {
  it('opens with aggregated tracks, the note of what was left out, and every finding', async () => {
    const trace = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'traces/cuda/pool/stream_pool_buggy.mpst');
    const fullFile = path.join(dir, 'pool-full.html');
    const smallFile = path.join(dir, 'pool-aggregated.html');
    const full = await writeReport(trace, fullFile);
    // A limit below this trace's size stands in for a trace too large to embed.
    const small = await writeReport(trace, smallFile, { maxItems: 20 });
    expect(full.aggregated).toBeUndefined();
    expect(small.aggregated?.maxItems).toBe(20);
    expect(small.aggregated!.estimatedItems).toBeGreaterThan(20);
    expect(small.flows).toBe(0);
    expect(small.findings).toBe(full.findings);
    expect(small.findings).toBeGreaterThan(3);
    const o = await openReport(browser, smallFile);
    const s = await pageState(o.page);
    expect(o.errors).toEqual([]);
    expect(s.findings).toBe(full.findings);
    expect(s.intervals).toBeGreaterThan(0);
    expect(await o.page.textContent('#warnings')).toMatch(/Aggregated view: .*left out: the individual kernels.*--max-items/s);
    // A bar says what it stands for (its name in the page's strings, which travel deflated).
    const html = readFileSync(smallFile, 'utf8');
    const data = JSON.parse(html.slice(html.indexOf('id="mpstrace-data">') + 19, html.indexOf('</script>')));
    const blob = inflateRawSync(Buffer.from(data.packed.b64, 'base64'));
    expect(blob.length).toBe(data.packed.bytes);
    const [at, len] = data.packed.strings;
    expect(blob.subarray(at, at + len).toString('utf8')).toMatch(/\d+ kernels?, busy \d+ %/);
    await o.page.click('li.finding');
    await settle(o.page);
    expect(await o.page.textContent('#details')).toMatch(/severity/);
    await o.page.close();
  }, 120_000);
});

describe('level of detail on a dense trace', () => {
  it('draws heat strips zoomed out and single intervals zoomed in', async () => {
    const trace = path.join(dir, 'dense.mpst');
    synthesize({ events: 100_000, streams: 4, threads: 4, seed: 11 }).writer.writeFile(trace);
    const loaded = await openTrace(trace);
    const file = path.join(dir, 'dense.html');
    try {
      writeFileSync(file, renderHtml((await buildReportPayload(loaded, { tracePath: trace, noAnalyze: true })).payload));
    } finally {
      loaded.close();
    }
    const o = await openReport(browser, file);
    const p = o.page;
    const out = await pageState(p);
    expect(o.errors).toEqual([]);
    expect(out.heatTracks).toBeGreaterThan(0);
    expect(out.rects).toBeLessThan(5000); // far fewer than the intervals in view
    expect(out.inView).toBeGreaterThan(20_000);
    const span = out.domain[1];
    await p.evaluate((s) => (window as any).__MPSTRACE__.zoomTo(s * 0.5, s * 0.5 + s / 2000), span);
    await settle(p);
    const zin = await pageState(p);
    expect(zin.heatTracks).toBe(0);
    expect(zin.rects).toBeGreaterThan(0);
    expect(zin.inView).toBeLessThan(out.inView / 100);
    await p.close();
  });
});

describe('report page in headless Chromium', () => {
  it('loads from file:// with no console errors and no network requests', async () => {
    const s = await pageState(opened.page);
    expect(s.error).toBe(null);
    expect(s.ready).toBe(true);
    expect(opened.errors).toEqual([]);
    expect(opened.network).toEqual([]);
    expect(s.lanes).toBe(4);
    expect(s.intervals).toBe(12); // 4 GPU intervals, 4 host launch/copy calls, 2 syncs, a range, a slot span
  });

  it('draws GPU work, gaps and the open wait where the trace says (screenshot pixels)', async () => {
    const p = opened.page;
    await p.evaluate(() => (window as any).__MPSTRACE__.whole());
    await settle(p);
    // track 0 = stream 0xa0 GPU row: kernelA runs 1-4 ms, nothing at 4.5 ms, gemm 5-6 ms
    // track 8 = thread 2 nested row (after its instant and API rows): cudaEventSynchronize from 8 ms, never returned
    const pts = [
      await pointAt(2.5 * MS, 0),
      await pointAt(4.6 * MS, 0),
      await pointAt(5.5 * MS, 0),
      await pointAt(8.8 * MS, 8),
      await pointAt(5 * MS, 8),
    ];
    const [busy, gap, gemm, open, idle] = await screenshotPixels(p, pts);
    expect(isBlue(busy)).toBe(true);
    expect(isLight(gap)).toBe(true);
    expect(isBlue(gemm)).toBe(true);
    expect(isRed(open)).toBe(true);
    expect(isLight(idle)).toBe(true);
    const s = await pageState(p);
    expect(s.rects).toBeGreaterThanOrEqual(8);
    expect(s.flows).toBe(6); // 2 record -> wait, 4 launch -> GPU
    expect(s.markers).toBe(1);
  });

  it('shows an empty trace without errors', async () => {
    const trace = path.join(dir, 'empty.mpst');
    const w = new TraceWriter({ backend: 'cuda' });
    w.record(1, 'process_start', 100, { pid: 1 });
    w.writeFile(trace);
    const loaded = await openTrace(trace);
    const file = path.join(dir, 'empty.html');
    try {
      writeFileSync(file, renderHtml((await buildReportPayload(loaded, { tracePath: trace, noAnalyze: true })).payload));
    } finally {
      loaded.close();
    }
    const o = await openReport(browser, file);
    const s = await pageState(o.page);
    expect([s.ready, s.lanes, o.errors, o.network]).toEqual([true, 0, [], []]);
    expect(await o.page.textContent('#findings-count')).toBe('Analysis skipped (--no-analyze)');
    await o.page.close();
  });

  it('tells a browser that cannot inflate the data why the report is not shown', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // a browser from before DecompressionStream (Chrome < 80, Firefox < 113, Safari < 16.4)
    await page.addInitScript(() => {
      delete (window as any).DecompressionStream;
    });
    await page.goto(`file://${report}`);
    await page.waitForFunction(() => (window as any).__MPSTRACE__?.error);
    expect(await page.textContent('#fatal')).toMatch(/could not be shown: this browser cannot inflate the report/);
    expect(await page.isVisible('#fatal')).toBe(true);
    expect(errors.join(' ')).toMatch(/DecompressionStream/);
    await page.close();
  });

  it('zooms to a finding when it is clicked and shows its message, call sites and fix', async () => {
    const p = opened.page;
    await p.click('li.finding');
    await settle(p);
    const s = await pageState(p);
    expect(s.selectedFinding).toBe(0);
    const [d0, d1] = s.domain as [number, number];
    expect(d0).toBeLessThanOrEqual(8 * MS);
    expect(d1).toBeGreaterThanOrEqual(8 * MS);
    expect(d1).toBeGreaterThanOrEqual(10 * MS); // the wait never returned: its band runs to the trace end
    expect(d1 - d0).toBeLessThan(4 * MS); // zoomed in from the 10 ms overview
    const details = await p.textContent('#details');
    expect(details).toContain(knownFinding().message);
    expect(details).toContain('at::cuda::record <x>+0x10 (libtorch_cuda.so)');
    expect(details).toContain('Record the event before waiting on it <fix>.');
  });

  it('shows hostile names as text and runs none of them', async () => {
    const p = opened.page;
    const labels = await p.$$eval('.lane-name', (els) => els.map((e) => e.textContent));
    expect(labels).toEqual(['stream 0xa0', 'stream 0xb0', HOSTILE.thread1, HOSTILE.thread2]);
    expect(await p.evaluate(() => (window as any).__PWNED__)).toBeUndefined();
    expect(await p.$$eval('img', (els) => els.length)).toBe(0);
    expect(await p.$$eval('script', (els) => els.length)).toBe(3);
    // hover the hostile kernel: the tooltip shows its name verbatim
    await p.evaluate(() => (window as any).__MPSTRACE__.whole());
    await settle(p);
    const [x, y] = await pointAt(2.5 * MS, 0);
    await p.mouse.move(x, y);
    const tip = await p.textContent('#tooltip');
    expect(tip).toContain(HOSTILE.kernelA);
    // a click pins the same details in the side panel, as text
    await p.mouse.click(x, y);
    expect(await p.textContent('#details h2')).toBe(`kernel: ${HOSTILE.kernelA}`);
    expect(await p.evaluate(() => (window as any).__PWNED__)).toBeUndefined();
    expect(opened.errors).toEqual([]);
  });

  it('summarizes a selected range: busy per stream, overlap, blocked time', async () => {
    const sum = await opened.page.evaluate((ms) => (window as any).__MPSTRACE__.select(0, 10 * ms), MS);
    expect(sum.streams.map((s: any) => s.busyNs)).toEqual([4 * MS, 2 * MS]);
    expect(sum.overlapNs).toBe(1 * MS); // 2-3 ms both streams run
    expect(sum.threads.map((t: any) => t.blockedNs)).toEqual([0.5 * MS, 2 * MS]);
    expect(await opened.page.textContent('#selection')).toContain('GPU busy per stream');
  });

  it('searches kernel and range names and zooms to matches', async () => {
    const p = opened.page;
    expect(await p.evaluate(() => (window as any).__MPSTRACE__.search('GEMM'))).toBe(1);
    await p.evaluate(() => (window as any).__MPSTRACE__.nextMatch());
    await settle(p);
    const [d0, d1] = (await pageState(p)).domain;
    expect(d0).toBeLessThanOrEqual(5 * MS);
    expect(d1).toBeGreaterThanOrEqual(6 * MS);
    expect(d1 - d0).toBeLessThan(5 * MS);
    expect(await p.evaluate(() => (window as any).__MPSTRACE__.search('<b>1</b>'))).toBe(1);
    await p.evaluate(() => (window as any).__MPSTRACE__.search(''));
  });

  it('selects a range by dragging on the time axis', async () => {
    const p = opened.page;
    await p.keyboard.press('Escape'); // drop the selection of the previous test
    await p.evaluate(() => (window as any).__MPSTRACE__.whole());
    await settle(p);
    const box = (await p.locator('#axis').boundingBox())!;
    const g = (await p.evaluate(() => (window as any).__MPSTRACE__.geometry())) as Geometry;
    // drag from 1 ms to 4 ms (10 ms across the plot)
    await p.mouse.move(box.x + g.width * 0.1, box.y + box.height / 2);
    await p.mouse.down();
    await p.mouse.move(box.x + g.width * 0.4, box.y + box.height / 2, { steps: 5 });
    await p.mouse.up();
    const sum = (await pageState(p)).summary;
    expect(sum.t0 / MS).toBeCloseTo(1, 1);
    expect(sum.t1 / MS).toBeCloseTo(4, 1);
    // stream 0xa0 runs kernelA for the whole selection
    expect(sum.streams[0].busyNs / sum.spanNs).toBeCloseTo(1, 2);
    await p.keyboard.press('Escape');
    expect((await pageState(p)).summary).toBe(null);
  });

  it('zooms and pans with the keyboard and the wheel', async () => {
    const p = opened.page;
    await p.evaluate(() => (window as any).__MPSTRACE__.reset());
    await settle(p);
    const full = (await pageState(p)).domain;
    await p.keyboard.press('w');
    await settle(p);
    const zoomed = (await pageState(p)).domain;
    expect(zoomed[1] - zoomed[0]).toBeLessThan((full[1] - full[0]) * 0.7);
    await p.keyboard.press('d');
    await settle(p);
    const panned = (await pageState(p)).domain;
    expect(panned[0]).toBeGreaterThan(zoomed[0]);
    const [x, y] = await pointAt(5 * MS, 0);
    await p.mouse.move(x, y);
    await p.mouse.wheel(0, -400);
    await settle(p);
    const wheeled = (await pageState(p)).domain;
    expect(wheeled[1] - wheeled[0]).toBeLessThan(panned[1] - panned[0]);
    await p.keyboard.press('0');
    await settle(p);
    expect((await pageState(p)).domain).toEqual(full);
  });

  it('keeps the view and stays error-free when the window is resized', async () => {
    const p = opened.page;
    await p.evaluate((ms) => (window as any).__MPSTRACE__.zoomTo(2 * ms, 6 * ms), MS);
    await settle(p);
    await p.setViewportSize({ width: 900, height: 600 });
    await settle(p);
    const s = await pageState(p);
    expect(s.domain[0] / MS).toBeCloseTo(2, 3);
    expect(s.domain[1] / MS).toBeCloseTo(6, 3);
    const g = await p.evaluate(() => (window as any).__MPSTRACE__.geometry());
    expect(g.width).toBeLessThan(900 - 210);
    expect(opened.errors).toEqual([]);
    await p.setViewportSize({ width: 1400, height: 800 });
  });
});
