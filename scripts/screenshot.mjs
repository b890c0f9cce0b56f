// `node scripts/screenshot.mjs <trace> <png> [--width W --height H --from MS --to MS --finding N]`: renders
// the trace's HTML report in headless Chromium and saves a screenshot (for docs/).
// Needs `npm run build` and a system Chromium (.ci/setup-system.sh installs one).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const [trace, png] = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
const opt = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
if (!trace || !png) {
  console.error('usage: node scripts/screenshot.mjs <trace> <png> [--width 1600] [--height 900] [--from MS --to MS] [--finding N]');
  process.exit(2);
}
if (!existsSync(path.join(root, 'dist', 'report', 'writeReport.js'))) {
  console.error('screenshot: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const exe = [process.env.MPSTRACE_CHROMIUM, '/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((p) => p && existsSync(p));
if (!exe) {
  console.error('screenshot: no Chromium found; run .ci/setup-system.sh or set MPSTRACE_CHROMIUM');
  process.exit(2);
}
const { writeReport } = await import(path.join(root, 'dist', 'report', 'writeReport.js'));
const { chromium } = await import('playwright-core');

const dir = mkdtempSync(path.join(tmpdir(), 'mpst-shot-'));
try {
  const html = path.join(dir, 'report.html');
  await writeReport(trace, html, {});
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
  const page = await browser.newPage({ viewport: { width: opt('width', 1600), height: opt('height', 900) }, deviceScaleFactor: 1 });
  await page.goto(`file://${html}`);
  await page.waitForFunction(() => window.__MPSTRACE__?.ready || window.__MPSTRACE__?.error, null, { timeout: 60_000 });
  const from = opt('from', NaN);
  const to = opt('to', NaN);
  if (Number.isFinite(from) && Number.isFinite(to)) {
    await page.evaluate(([a, b]) => window.__MPSTRACE__.zoomTo(a * 1e6, b * 1e6), [from, to]);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  const finding = opt('finding', -1);
  if (finding >= 0) {
    await page.evaluate((i) => window.__MPSTRACE__.selectFinding(i), finding);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  await page.screenshot({ path: png });
  await browser.close();
  console.error(`screenshot: wrote ${png}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
