// Real headless Chromium for the report tests, driven by playwright-core. Never
// downloads a browser: it uses the system's (CI installs chromium-headless-shell
// through .ci/setup-system.sh) and fails with a clear message when there is none.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const CANDIDATES = [
  process.env.MPSTRACE_CHROMIUM,
  '/usr/bin/chromium-headless-shell',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
].filter((p): p is string => !!p);

export function chromiumPath(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `no Chromium found (looked for ${CANDIDATES.join(', ')}). The report tests need a real browser: ` +
        'run .ci/setup-system.sh (apt-get install chromium-headless-shell) or set MPSTRACE_CHROMIUM to a Chromium binary.',
    );
  }
  return found;
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

export interface OpenedPage {
  page: Page;
  /** console errors, uncaught exceptions and failed loads */
  errors: string[];
  /** every request whose URL is not file: or data: (all are blocked) */
  network: string[];
}

/** Opens a report file with every non-file/data request recorded and aborted, and waits until it is drawn. */
export async function openReport(browser: Browser, file: string, viewport = { width: 1400, height: 800 }): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  const errors: string[] = [];
  const network: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (!network.includes(r.url())) errors.push(`requestfailed: ${r.url()}`);
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    network.push(url);
    return route.abort();
  });
  await page.goto(`file://${file}`);
  await page.waitForFunction(
    () => {
      const s = (window as unknown as { __MPSTRACE__?: { ready?: boolean; error?: string } }).__MPSTRACE__;
      return !!s && (s.ready || !!s.error);
    },
    null,
    { timeout: 30_000 },
  );
  return { page, errors, network };
}

/** Plain (function-free) copy of the page state. */
export async function pageState(page: Page): Promise<Record<string, any>> {
  return page.evaluate(() => {
    const s = (window as any).__MPSTRACE__;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) if (typeof v !== 'function') out[k] = v;
    return out;
  });
}

/** Waits two animation frames so scheduled redraws have happened. */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/**
 * RGBA of a screenshot pixel: the PNG is decoded by the browser itself (an <img> from a
 * data: URL drawn on a scratch canvas), so the test needs no PNG library.
 */
export async function screenshotPixels(page: Page, points: [number, number][]): Promise<number[][]> {
  const png = await page.screenshot();
  return page.evaluate(
    async ({ b64, points }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      return points.map(([x, y]) => Array.from(ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data));
    },
    { b64: png.toString('base64'), points },
  );
}

/**
 * Compares two PNGs of one size in the page (decoded by the browser, no PNG
 * library): the number of pixels whose colour differs by more than `tolerance`
 * in any channel (anti-aliasing noise stays below it), and a diff image (red
 * where they differ) for the failure message.
 */
export async function comparePngs(
  page: Page,
  a: Buffer,
  b: Buffer,
  tolerance = 24,
): Promise<{ width: number; height: number; differing: number; sizeMatch: boolean; diffPng: string }> {
  return page.evaluate(
    async ({ a, b, tolerance }) => {
      const load = async (b64: string) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        return img;
      };
      const [ia, ib] = [await load(a), await load(b)];
      const w = ia.width;
      const h = ia.height;
      if (ib.width !== w || ib.height !== h) return { width: w, height: h, differing: w * h, sizeMatch: false, diffPng: '' };
      const pixels = (img: HTMLImageElement) => {
        const c = document.createElement('canvas');
        c.width = w;
        c.height = h;
        const ctx = c.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        return ctx.getImageData(0, 0, w, h);
      };
      const [pa, pb] = [pixels(ia), pixels(ib)];
      const out = document.createElement('canvas');
      out.width = w;
      out.height = h;
      const octx = out.getContext('2d')!;
      const diff = octx.createImageData(w, h);
      let differing = 0;
      for (let i = 0; i < pa.data.length; i += 4) {
        const d = Math.max(
          Math.abs(pa.data[i] - pb.data[i]),
          Math.abs(pa.data[i + 1] - pb.data[i + 1]),
          Math.abs(pa.data[i + 2] - pb.data[i + 2]),
        );
        if (d > tolerance) {
          differing++;
          diff.data[i] = 255;
          diff.data[i + 3] = 255;
        } else {
          diff.data[i] = diff.data[i + 1] = diff.data[i + 2] = 255;
          diff.data[i + 3] = 60;
        }
      }
      octx.putImageData(diff, 0, 0);
      return { width: w, height: h, differing, sizeMatch: true, diffPng: out.toDataURL('image/png').split(',')[1] };
    },
    { a: a.toString('base64'), b: b.toString('base64'), tolerance },
  );
}
