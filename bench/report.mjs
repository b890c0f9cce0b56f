// Report bench: a synthetic trace (default 1 M events) -> HTML report, then in headless
// Chromium: time to first render and frame times during a scripted zoom/pan.
// Usage: npm run bench -- report [--events N] [--keep dir]
// Last line: report_bytes_per_event=... first_render_ms=... ready_ms=... median_frame_ms=... events=...
// first_render_ms: performance.now() (ms since navigation start) at the end of the first frame;
// ready_ms: when the page is ready for input (brush, findings, hover, search wired after that frame).
// The line before it lists the first render's phases (ms since navigation start).
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
if (!existsSync(path.join(dist, 'report', 'writeReport.js'))) {
  console.error('bench report: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const events = Number(arg('events', 1_000_000));
const keep = arg('keep', null);
const dir = keep ?? mkdtempSync(path.join(tmpdir(), 'mpst-bench-report-'));

const { synthesize } = await import(path.join(dist, 'synth', 'generate.js'));
const { writeReport } = await import(path.join(dist, 'report', 'writeReport.js'));
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

const exe = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((p) => existsSync(p));
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
const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
const t0 = Date.now();
await page.goto(`file://${html}`, { timeout: 180_000 });
await page.waitForFunction(() => window.__MPSTRACE__?.ready || window.__MPSTRACE__?.error, null, { timeout: 180_000 });
const wallMs = Date.now() - t0;
const first = await page.evaluate(() => window.__MPSTRACE__.firstRenderMs);
const ready = await page.evaluate(() => window.__MPSTRACE__.readyMs);
const phases = await page.evaluate(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return { file_read: nav?.responseEnd ?? 0, ...window.__MPSTRACE__.phases };
});

// Scripted zoom/pan: wheel zooms in and out at several points, drags, keyboard pans,
// and jumps between detail and overview. Every step waits for its frame.
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
const times = await page.evaluate(() => window.__MPSTRACE__.frameTimes.slice());
await browser.close();
if (!keep) rmSync(dir, { recursive: true, force: true });
if (errors.length) {
  console.error(`page errors: ${errors.join('; ')}`);
  process.exit(1);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const p95 = times[Math.floor(times.length * 0.95)];
console.error(
  `page: ${wallMs} ms to ready (wall), ${times.length} frames, p95 ${p95.toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms`,
);
console.log(
  `phases (ms since navigation start): ${Object.entries(phases)
    .sort((a, b) => a[1] - b[1])
    .map(([k, v]) => `${k}=${v.toFixed(0)}`)
    .join(' ')}`,
);
console.log(
  `report_bytes_per_event=${(r.bytes / syn.events).toFixed(1)} first_render_ms=${first.toFixed(0)} ready_ms=${ready.toFixed(0)} median_frame_ms=${median.toFixed(1)} ` +
    `p95_frame_ms=${p95.toFixed(1)} report_mb=${(r.bytes / 1e6).toFixed(1)} build_ms=${buildMs.toFixed(0)} frames=${times.length} events=${syn.events}`,
);
