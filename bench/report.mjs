// Report bench: a synthetic trace (default 1 M events) -> HTML report, then in headless
// Chromium: time to first render and frame times during a scripted zoom/pan.
// Usage: npm run bench -- report [--events N] [--keep dir] [--runs N] [--baseline old.html]
// Loads the page --runs times (default 3) and prints median and worst; with --baseline, an older
// page of the same trace is loaded before each run, under the same machine load.
// Last line: report_bytes_per_event=... first_render_ms=... ready_ms=... median_frame_ms=... events=...
// (median of the runs, and *_worst_ms the worst run). first_render_ms: performance.now() (ms since
// navigation start) at the end of the first frame; ready_ms: when the page is ready for input (brush,
// findings, hover, search are wired after that frame). Each run's phases go to stderr.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchSetup, findChromium } from './lib/common.mjs';

const { dist, opt: arg } = benchSetup('report', { needs: 'report/writeReport.js' });
const events = Number(arg('events', 1_000_000));
const keep = arg('keep', null);
const nRuns = Number(arg('runs', 3));
// an older report page of the same trace (e.g. `npm run bench -- report --keep DIR` on the commit before), loaded in turn with this one
const baseline = arg('baseline', null) && path.resolve(arg('baseline', null));
if (baseline && !existsSync(baseline)) {
  console.error(`bench report: no baseline page ${baseline}`);
  process.exit(2);
}
const dir = keep ?? mkdtempSync(path.join(tmpdir(), 'mpst-bench-report-'));

const { synthesize } = await import(dist('synth/generate.js'));
const { writeReport } = await import(dist('report/writeReport.js'));
const { chromium } = await import('playwright-core');

const trace = path.join(dir, 'bench.mpst');
const html = path.join(dir, 'bench.html');
let t = performance.now();
const syn = synthesize({ events, streams: 8, threads: 8, seed: 7 });
syn.writer.writeFile(trace);
console.error(`synthesized ${syn.events} events in ${(performance.now() - t).toFixed(0)} ms`);
t = performance.now();
// analysis is the detectors' cost, measured by bench/detectors.mjs; the page is measured here
const r = await writeReport(trace, html, { noAnalyze: true });
const buildMs = performance.now() - t;
console.error(
  `report: ${(r.bytes / 1e6).toFixed(1)} MB, ${r.intervals} intervals, ${r.instants} instants, ${r.flows} flows in ${buildMs.toFixed(0)} ms`,
);

const exe = findChromium();
if (!exe) {
  console.error('bench report: no Chromium (run .ci/setup-system.sh)');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: exe,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
/**
 * Opens a report page; returns its first render, ready time and phases, and, with `frames`,
 * the frame times of the scripted zoom/pan.
 * @param {string} file
 * @param {boolean} frames
 */
async function measure(file, frames) {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const t0 = Date.now();
  await page.goto(`file://${file}`, { timeout: 180_000 });
  await page.waitForFunction(() => window.__MPSTRACE__?.ready || window.__MPSTRACE__?.error, null, { timeout: 180_000 });
  const wallMs = Date.now() - t0;
  const m = await page.evaluate(() => {
    const s = window.__MPSTRACE__;
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      first: s.firstRenderMs,
      ready: s.readyMs || s.firstRenderMs,
      phases: { file_read: nav?.responseEnd ?? 0, ...(s.phases ?? {}) },
    };
  });
  let times = [];
  if (frames) times = await scriptedFrames(page);
  await page.close();
  return { ...m, wallMs, times, errors };
}

// Scripted zoom/pan: wheel zooms in and out at several points, drags, keyboard pans,
// and jumps between detail and overview. Every step waits for its frame.
async function scriptedFrames(page) {
  const box = await page.evaluate(() => {
    const g = window.__MPSTRACE__.geometry();
    return { x: g.left, y: g.top, w: g.width, h: g.height };
  });
  const frame = () => page.evaluate(() => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res))));
  await page.evaluate(() => {
    window.__MPSTRACE__.frameTimes.length = 0;
  });
  for (let i = 0; i < 8; i++) {
    await page.mouse.move(box.x + box.w * (0.2 + 0.08 * i), box.y + 40);
    for (let k = 0; k < 6; k++) {
      await page.mouse.wheel(0, -300);
      await frame();
    }
    await page.mouse.down();
    await page.mouse.move(box.x + box.w * 0.3, box.y + 60, { steps: 4 });
    await page.mouse.up();
    await frame();
    for (let k = 0; k < 3; k++) {
      await page.keyboard.press('d');
      await frame();
    }
    for (let k = 0; k < 6; k++) {
      await page.mouse.wheel(0, 300);
      await frame();
    }
    await page.keyboard.press('0');
    await frame();
  }
  return page.evaluate(() => window.__MPSTRACE__.frameTimes.slice());
}

const sorted = (a) => a.slice().sort((x, y) => x - y);
const median = (a) => sorted(a)[Math.floor((a.length - 1) / 2)];
const worst = (a) => Math.max(...a);
const q = (a, f) => sorted(a)[Math.floor(a.length * f)];

const runs = [];
const base = [];
const errors = [];
for (let run = 0; run < nRuns; run++) {
  // alternate the baseline page and this one, so both see the same machine load
  if (baseline) {
    const b = await measure(baseline, false);
    base.push(b);
    errors.push(...b.errors.map((e) => `baseline: ${e}`));
  }
  const r = await measure(html, true);
  runs.push(r);
  errors.push(...r.errors);
  const fs = sorted(r.times);
  console.error(
    `run ${run + 1}: first render ${r.first.toFixed(0)} ms, ready ${r.ready.toFixed(0)} ms` +
      `${baseline ? ` (baseline first render ${base[run].first.toFixed(0)} ms)` : ''}, ` +
      `${fs.length} frames, median ${median(fs).toFixed(1)} ms, p95 ${q(fs, 0.95).toFixed(1)} ms, max ${worst(fs).toFixed(1)} ms`,
  );
  console.error(
    `  phases (ms since navigation start): ${Object.entries(r.phases)
      .sort((a, b) => a[1] - b[1])
      .map(([k, v]) => `${k}=${v.toFixed(0)}`)
      .join(' ')}`,
  );
}
await browser.close();
if (!keep) rmSync(dir, { recursive: true, force: true });
if (errors.length) {
  console.error(`page errors: ${errors.join('; ')}`);
  process.exit(1);
}
const firsts = runs.map((r) => r.first);
const readys = runs.map((r) => r.ready);
const medFrames = runs.map((r) => median(r.times));
const p95Frames = runs.map((r) => q(r.times, 0.95));
const baseLine = baseline
  ? ` baseline_first_render_ms=${median(base.map((b) => b.first)).toFixed(0)} baseline_first_render_worst_ms=${worst(base.map((b) => b.first)).toFixed(0)}`
  : '';
console.log(
  `report_bytes_per_event=${(r.bytes / syn.events).toFixed(1)} first_render_ms=${median(firsts).toFixed(0)} first_render_worst_ms=${worst(firsts).toFixed(0)} ` +
    `ready_ms=${median(readys).toFixed(0)} ready_worst_ms=${worst(readys).toFixed(0)} median_frame_ms=${median(medFrames).toFixed(1)} ` +
    `median_frame_worst_ms=${worst(medFrames).toFixed(1)} p95_frame_ms=${median(p95Frames).toFixed(1)} p95_frame_worst_ms=${worst(p95Frames).toFixed(1)} ` +
    `report_mb=${(r.bytes / 1e6).toFixed(1)} build_ms=${buildMs.toFixed(0)} runs=${nRuns} frames=${runs[0].times.length} events=${syn.events}${baseLine}`,
);
