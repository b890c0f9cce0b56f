// Assembles the self-contained report page: template + inlined d3 + viz bundle +
// payload. A Content-Security-Policy allows only these exact scripts (by hash) and
// no network at all, so even a name that slipped into markup could not run or fetch.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bundleViz, VIZ_DIR } from './bundle.js';
import type { ReportPayload } from './payload.js';

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
  const fill: Record<string, string> = { CSP: csp, DATA: jsonForScript(payload), D3: a.d3, APP: a.app };
  // split/join instead of String.replace: replacement text may contain `$&` and friends.
  let html = a.template;
  for (const key of ['CSP', 'D3', 'APP', 'DATA']) html = html.split(`@@${key}@@`).join(fill[key]);
  return html;
}
