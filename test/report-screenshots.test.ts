// Screenshot comparisons of the report of real traces (recorded on an H200) in
// real headless Chromium: a few views, each compared with a committed golden
// PNG (test/browser/golden/). The status line (frame time) is masked; nothing
// else in the page depends on time or machine. A view may differ from its
// golden in at most 0.2% of its pixels (anti-aliasing); a real change of the
// drawing (a lane, a bar, the legend, a label) moves far more.
// After an intended change of the page: MPSTRACE_UPDATE_SCREENSHOTS=1 npx vitest run test/report-screenshots.test.ts
// and look at the new PNGs before committing them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { writeReport } from '../src/report/writeReport.js';
import { comparePngs, launch, openReport, settle, type OpenedPage } from './browser/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GOLDEN = path.join(root, 'test/browser/golden');
const UPDATE = !!process.env.MPSTRACE_UPDATE_SCREENSHOTS;
const MAX_DIFF = 0.002;
const dir = mkdtempSync(path.join(tmpdir(), 'mpst-shots-'));
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(trace: string, viewport: { width: number; height: number }): Promise<OpenedPage> {
  const html = path.join(dir, `${path.basename(trace, '.mpst')}.html`);
  if (!existsSync(html)) await writeReport(path.join(root, trace), html, {});
  return openReport(browser, html, viewport);
}

async function matchesGolden(o: OpenedPage, name: string): Promise<void> {
  await settle(o.page);
  const shot = await o.page.screenshot({ mask: [o.page.locator('#status')], animations: 'disabled', caret: 'hide' });
  const file = path.join(GOLDEN, `${name}.png`);
  if (UPDATE || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, shot);
    if (!UPDATE) throw new Error(`${file} did not exist; written now: look at it, commit it, run again`);
    return;
  }
  const r = await comparePngs(o.page, readFileSync(file), shot);
  if (!r.sizeMatch || r.differing / (r.width * r.height) > MAX_DIFF) {
    const out = path.join(tmpdir(), `mpstrace-screenshot-${name}`);
    writeFileSync(`${out}.actual.png`, shot);
    if (r.diffPng) writeFileSync(`${out}.diff.png`, Buffer.from(r.diffPng, 'base64'));
    expect.fail(`${name}: ${r.differing} of ${r.width * r.height} pixels differ from ${file} (see ${out}.actual.png and .diff.png)`);
  }
  expect(o.errors).toEqual([]);
}

describe('report screenshots of real traces', () => {
  it('buggy stream pool, first view at 1024×768 (laptop): fitted to the activity, legend, findings list', async () => {
    const o = await open('traces/cuda/pool/stream_pool_buggy.mpst', { width: 1024, height: 768 });
    const s = await o.page.evaluate(() => (window as any).__MPSTRACE__.domain);
    expect(s[0]).toBeGreaterThan(2.5e9); // not the 3 s of start-up before the first GPU work
    await matchesGolden(o, 'stream-pool-first-view-1024');
    await o.page.close();
  });

  it('buggy stream pool, the incomplete device sync selected: zoomed to its evidence, details in the panel', async () => {
    const o = await open('traces/cuda/pool/stream_pool_buggy.mpst', { width: 1400, height: 800 });
    await o.page.evaluate(() => (window as any).__MPSTRACE__.selectFinding(0));
    expect(await o.page.textContent('#details')).toContain('incomplete-device-sync');
    await matchesGolden(o, 'stream-pool-device-sync-finding');
    await o.page.close();
  });

  it('elapsed-time hang: the never-returned query runs to the end of the trace with its finding band', async () => {
    const o = await open('traces/cuda/pool/elapsed_hang_buggy.mpst', { width: 1400, height: 800 });
    await o.page.evaluate(() => (window as any).__MPSTRACE__.selectFinding(0));
    await matchesGolden(o, 'elapsed-hang-finding');
    await o.page.close();
  });

  it('training loop with a prefetch stream, zoomed to its 3rd step: launch arrows and kernel labels', async () => {
    const o = await open('traces/cuda/train_prefetch.mpst', { width: 1400, height: 800 });
    // the search steps through `step` ranges in time order; the third is past warm-up
    expect(await o.page.evaluate(() => (window as any).__MPSTRACE__.search('step'))).toBeGreaterThan(3);
    await o.page.evaluate(() => {
      const s = (window as any).__MPSTRACE__;
      s.nextMatch();
      s.nextMatch();
      s.nextMatch();
      s.search('');
    });
    await matchesGolden(o, 'train-prefetch-steps');
    await o.page.close();
  });
});
