// Where a report page's first render goes: loads a report in headless Chromium with the
// CDP sampling profiler on, prints the viewer's first-render phases
// (window.__MPSTRACE__.phases) and the functions with the most self time.
// Usage: node bench/report-profile.mjs <report.html> [--runs N] [--top N] [--no-profile]
// Make a 1 M-event report with `npm run bench -- report --keep DIR` (DIR/bench.html).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { benchSetup, findChromium } from './lib/common.mjs';

const file = process.argv[2];
if (!file || !existsSync(file)) {
  console.error('usage: node bench/report-profile.mjs <report.html> [--runs N] [--top N] [--no-profile]');
  process.exit(2);
}
const { opt: arg } = benchSetup('report-profile');
const runs = Number(arg('runs', 3));
const top = Number(arg('top', 25));
const profile = !process.argv.includes('--no-profile');

const { chromium } = await import('playwright-core');
const exe = findChromium();
const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });

/** phase name -> ms since navigation start, for every run */
const table = [];
for (let run = 0; run < runs; run++) {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
  const cdp = await page.context().newCDPSession(page);
  const doProfile = profile && run === runs - 1;
  if (doProfile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  await page.goto(`file://${path.resolve(file)}`, { timeout: 180_000 });
  await page.waitForFunction(() => window.__MPSTRACE__?.ready || window.__MPSTRACE__?.error, null, { timeout: 180_000 });
  const r = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      responseEnd: nav?.responseEnd ?? 0,
      domInteractive: nav?.domInteractive ?? 0,
      ...window.__MPSTRACE__.phases,
      firstRender: window.__MPSTRACE__.firstRenderMs,
      // the steps deferred past the first frame, when the viewer has any
      ...(window.__MPSTRACE__.idlePhases ?? {}),
    };
  });
  table.push(r);
  if (doProfile) {
    // let deferred work finish inside the profile
    await page.waitForFunction(() => window.__MPSTRACE__?.idle !== false, null, { timeout: 60_000 }).catch(() => {});
    const { profile: p } = await cdp.send('Profiler.stop');
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map();
    const dt = p.timeDeltas;
    for (let i = 0; i < p.samples.length; i++) {
      const n = byId.get(p.samples[i]);
      const cf = n.callFrame;
      const key = `${cf.functionName || '(anonymous)'} ${cf.url ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : ''}`.trim();
      self.set(key, (self.get(key) ?? 0) + (dt[i + 1] ?? 0) / 1000);
    }
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    console.log(`\nself time by function (last run, ${total.toFixed(0)} ms sampled):`);
    for (const [k, ms] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`${ms.toFixed(1).padStart(9)} ms  ${k}`);
  }
  await page.close();
}
await browser.close();
const keys = [...new Set(table.flatMap((r) => Object.keys(r)))].sort((a, b) => (table[0][a] ?? 0) - (table[0][b] ?? 0));
console.log('\nms since navigation start, per run:');
for (const k of keys)
  console.log(`${k.padEnd(16)} ${table.map((r) => (r[k] === undefined ? '-' : r[k].toFixed(0)).padStart(7)).join(' ')}`);
