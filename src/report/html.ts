// Assembles the self-contained report page: template + inlined d3 + viz bundle +
// payload. A Content-Security-Policy allows only these exact scripts (by hash) and
// no network at all, so even a name that slipped into markup could not run or fetch.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bundleViz, VIZ_DIR } from './bundle.js';
import { columnBytes } from './payload.js';
import type { Column, ReportPayload, Table } from './payload.js';

const require = createRequire(import.meta.url);

/** d3's UMD build; the package's exports map hides dist/, so resolve from the main entry. */
export function d3Source(): string {
  return readFileSync(path.join(path.dirname(require.resolve('d3')), 'd3.min.js'), 'utf8');
}

/**
 * JSON that is safe inside <script type="application/json">: no `<` (so no `</script>` or
 * `<!--`), and no U+2028/2029. JSON.parse restores the exact strings.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Script text that cannot end its <script> element early. */
function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

let cached: { d3: string; app: string; template: string } | null = null;
function assets() {
  if (!cached) {
    cached = {
      d3: scriptSafe(d3Source()),
      app: scriptSafe(bundleViz()),
      template: readFileSync(path.join(VIZ_DIR, 'template.html'), 'utf8'),
    };
  }
  return cached;
}

/** deflate level of the page's blob: 3 is within 3% of 6's size at a third of its time (46 MB page, 1 M events) */
const DEFLATE_LEVEL = 3;

/**
 * The payload as the page carries it: the string dictionary (UTF-8, with u32 offsets) and every column's bytes in one
 * deflate-raw blob (base64), each part at an 8-byte aligned offset so the page views the
 * inflated buffer as typed arrays without copying. The page inflates it with the browser's
 * own DecompressionStream; a 1 M-event page shrinks from 46 MB to about 11 MB, and reading
 * the HTML was most of the first render.
 */
export function packForPage(payload: ReportPayload): ReportPayload {
  const parts: Buffer[] = [];
  let off = 0;
  const put = (b: Buffer): [number, number] => {
    const at: [number, number] = [off, b.length];
    parts.push(b);
    off += b.length;
    const pad = (8 - (off % 8)) % 8;
    if (pad) {
      parts.push(Buffer.alloc(pad));
      off += pad;
    }
    return at;
  };
  // the strings as one UTF-8 run and their byte offsets (n + 1): the page decodes a string when it is first shown
  const text = payload.strings.map((x) => Buffer.from(x, 'utf8'));
  const offsets = new Uint32Array(text.length + 1);
  for (let i = 0; i < text.length; i++) offsets[i + 1] = offsets[i] + text[i].length;
  const stringBytes = put(Buffer.concat(text));
  const stringOffsets = put(Buffer.from(offsets.buffer, offsets.byteOffset, offsets.byteLength));
  const packCol = (c: Column): Column => {
    const raw = columnBytes(c);
    if (raw === undefined) return c;
    const narrow = c.type === 'u32' || c.type === 'u16' ? narrowest(c.type, raw) : null;
    return narrow ? { type: narrow.type, at: put(narrow.bytes) } : { type: c.type, at: put(raw) };
  };
  const packTable = <T extends Table>(t: T): T => ({
    ...t,
    cols: Object.fromEntries(Object.entries(t.cols).map(([k, c]) => [k, packCol(c)])),
  });
  const intervals = packTable(payload.intervals);
  const instants = packTable(payload.instants);
  const flows = packTable(payload.flows);
  const blob = deflateRawSync(Buffer.concat(parts, off), { level: DEFLATE_LEVEL });
  return {
    ...payload,
    strings: [],
    intervals,
    instants,
    flows,
    packed: { b64: blob.toString('base64'), bytes: off, strings: stringBytes, stringOffsets },
  };
}

/** An unsigned column in the fewest bytes that hold its largest value (ids of sites and names are often small), or null. */
function narrowest(type: 'u32' | 'u16', bytes: Buffer): { type: 'u16' | 'u8'; bytes: Buffer } | null {
  const raw = new Uint8Array(bytes); // a copy at offset 0 (Buffer.from may return a pooled, unaligned slice)
  const a =
    type === 'u32'
      ? new Uint32Array(raw.buffer, raw.byteOffset, raw.length / 4)
      : new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2);
  let max = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > max) max = a[i];
  const to = max < 256 ? Uint8Array : max < 65536 && type === 'u32' ? Uint16Array : null;
  if (!to) return null;
  const out = to.from(a);
  return { type: to === Uint8Array ? 'u8' : 'u16', bytes: Buffer.from(out.buffer, out.byteOffset, out.byteLength) };
}

export function renderHtml(payload: ReportPayload): string {
  const a = assets();
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(a.d3)} ${sha256(a.app)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const fill: Record<string, string> = { CSP: csp, DATA: jsonForScript(packForPage(payload)), D3: a.d3, APP: a.app };
  // split/join instead of String.replace: replacement text may contain `$&` and friends.
  let html = a.template;
  for (const key of ['CSP', 'D3', 'APP', 'DATA']) html = html.split(`@@${key}@@`).join(fill[key]);
  return html;
}
