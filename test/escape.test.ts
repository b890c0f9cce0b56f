/**
 * Trace strings must not act outside the report (issue 17, item 4): hostile
 * thread, call-site, kernel, API, range and module names, written into real
 * traces with the trace writer, go through every text output (analyze, info,
 * metrics, sql, diff, warnings and errors), the Markdown PR comment (rendered
 * with a GFM parser, as GitHub does) and SARIF. None may retitle or clear the
 * terminal, start a line of its own (a forged ERROR finding), reorder text
 * with bidi controls, mention, reference or link in a comment, or become a URI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { escapeLines, escapeText, mdCode, mdText, safeJson, sarifText } from '../src/util/escape.js';
import { HOSTILE, RAW_CONTROL, hostileTrace } from './fixtures/hostile.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let dir: string;
let trace: string;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/mpstrace.js'), ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mpst-escape-'));
  trace = path.join(dir, 'hostile.mpst');
  hostileTrace(trace);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a terminal must never receive from a trace: raw controls (newlines aside), and lines the tool did not write. */
function expectInert(text: string, what: string) {
  expect(RAW_CONTROL.test(text), `${what}: raw control or bidi character`).toBe(false);
  expect(text, what).not.toMatch(/^ERROR\s+forged/m);
  expect(text, what).not.toMatch(/^\s*forged finding/m);
}

describe('escapeText and friends', () => {
  it('turns every active character into a visible escape and keeps printable text of any script', () => {
    for (const [name, p] of Object.entries(HOSTILE)) expect(RAW_CONTROL.test(escapeText(p)), name).toBe(false);
    expect(escapeText('a\nb\r\tc\u001b[2J\u009b\u202ed\u2066')).toBe('a\\nb\\r\\tc\\x1b[2J\\x9b\\u202ed\\u2066');
    expect(escapeText('Grüße 日本 核函数 ✓ µs')).toBe('Grüße 日本 核函数 ✓ µs');
    expect(escapeText(escapeText(HOSTILE.forged))).toBe(escapeText(HOSTILE.forged));
    expect(escapeLines('first\nERROR x\u001b')).toBe('first\n  ERROR x\\x1b');
  });

  it('Markdown: code spans with a long enough fence; prose keeps plain words and codes the rest', () => {
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
    expect(mdCode('a|b', { table: true })).toBe('`a\\|b`');
    expect(mdCode('a\\|b', { table: true })).toBe('`a\\\\\\|b`');
    expect(mdText('baseline median is 0 (see @octocat, #1, www.x.org)')).toBe('baseline median is 0 (see `@octocat,` `#1,` `www.x.org)`');
  });

  it('JSON: active characters as \\u escapes that parse back to the same string; SARIF text escapes brackets', () => {
    const doc = { s: HOSTILE.bidi + HOSTILE.c1 + HOSTILE.forged };
    const text = safeJson(doc);
    expect(RAW_CONTROL.test(text)).toBe(false);
    expect(JSON.parse(text)).toEqual(doc);
    expect(sarifText('see [x](1)\n')).toBe('see \\[x\\](1)\\n');
  });
});

describe('text outputs of a hostile trace', () => {
  it('analyze: one line per field, the only ERROR line is the real finding, escapes visible', () => {
    const r = cli('analyze', trace);
    expect(r.code, r.err).toBe(0);
    expectInert(r.out + r.err, 'analyze');
    expect(r.out.match(/^ERROR/gm)).toHaveLength(1);
    expect(r.out).toMatch(/^ERROR {3}incomplete-device-sync\/late-completion/m);
    expect(r.out).toContain('main \\x1b]0;pwned\\x07 \\x1b[2J\\x1b[H \\nERROR');
    expect(r.out).toContain('safe\\u202e\\u2066gnp.exe\\u2069\\u202c');
  });

  it('analyze --json and --format sarif: no raw C1 or bidi characters, same data', () => {
    const j = cli('analyze', trace, '--json');
    expectInert(j.out, 'analyze --json');
    const doc = JSON.parse(j.out);
    expect(doc.findings[0].threads.map((t: { name: string }) => t.name)).toContain(`main ${Object.values(HOSTILE).join(' ')}`);
    const s = cli('analyze', trace, '--format', 'sarif', '--source-root', dir);
    expectInert(s.out, 'sarif');
  });

  it('info, metrics and sql --json: no raw C1 or bidi characters, same data', () => {
    const i = cli('info', trace, '--json');
    expect(i.code, i.err).toBe(0);
    expectInert(i.out, 'info --json');
    expect(JSON.stringify(JSON.parse(i.out))).toContain('\\u001b]0;pwned');
    const m = cli('metrics', '--no-findings', trace, '--json');
    expect(m.code, m.err).toBe(0);
    expectInert(m.out, 'metrics --json');
    const q = cli('sql', trace, 'SELECT name FROM ev_thread_name', '--json');
    expect(q.code, q.err).toBe(0);
    expectInert(q.out, 'sql --json');
    expect(JSON.parse(q.out).map((r: { name: string }) => r.name)).toContain(`main ${Object.values(HOSTILE).join(' ')}`);
  });

  it('an error message quoting a hostile file name stays on its line', () => {
    const bad = path.join(dir, `missing${HOSTILE.retitle}\nERROR forged.mpst`);
    const r = cli('info', bad);
    expect(r.code).toBe(2);
    expectInert(r.err, 'error message');
    expect(r.err.match(/^ERROR/gm)).toBeNull();
  });

  it('info: recorder string on one line', () => {
    const r = cli('info', trace);
    expect(r.code, r.err).toBe(0);
    expectInert(r.out + r.err, 'info');
    expect(r.out).toMatch(/^backend {4}cuda {3}recorder fixture \\x1b\]0;pwned/m);
  });

  it('metrics: kernel, API and trace names on one line; the warning quoting --step-range too', () => {
    const r = cli('metrics', '--no-findings', trace, '--step-range', `x${HOSTILE.retitle}${HOSTILE.forged}`);
    expect(r.code, r.err).toBe(0);
    expectInert(r.out + r.err, 'metrics');
    expect(r.out).toMatch(/^ {4}kern \\x1b\]0;pwned/m);
    expect(r.err).toMatch(/^mpstrace: warning: .*--step-range x\\x1b\]0;pwned\\x07\\nERROR/m);
  });

  it('sql: table cells escaped before the columns are measured; a DuckDB error quoting a value too', () => {
    const r = cli('sql', trace, 'SELECT tid, name FROM ev_thread_name ORDER BY tid');
    expect(r.code, r.err).toBe(0);
    expectInert(r.out + r.err, 'sql');
    const lines = r.out.split('\n');
    expect(lines[2]).toMatch(/^ +1 {2}main \\x1b\]0;pwned/);
    expect(lines[4]).toBe('(2 rows)');
    const bad = cli('sql', trace, 'SELECT CAST(name AS INTEGER) FROM ev_thread_name');
    expect(bad.code).toBe(2);
    expectInert(bad.err, 'sql error');
    expect(bad.err).toMatch(/Could not convert string 'main \\x1b\]0;pwned/);
  });

  it('symbolize: module paths from the trace on one line', () => {
    const t = path.join(dir, 'sym.mpst');
    hostileTrace(t, { module: `/usr/lib/libx${HOSTILE.forged}${HOSTILE.bidi}.so`, symbol: '' });
    const r = cli('symbolize', t);
    expectInert(r.out + r.err, 'symbolize');
    expect(r.out).toMatch(/^ {2}\/usr\/lib\/libx\\nERROR {3}forged-rule.*safe\\u202e.*: 0\/1 /m);
  });

  it('diff (text): names and notes escaped', () => {
    const base = path.join(dir, 'base.mpst');
    const cand = path.join(dir, 'cand.mpst');
    hostileTrace(base, { kernelNs: 10e6 });
    hostileTrace(cand, { kernelNs: 20e6 });
    const r = cli('diff', '--no-findings', base, '--', cand);
    expect(r.code).toBe(1);
    expectInert(r.out + r.err, 'diff');
    expect(r.out).toMatch(/^regressed +kernel\.kern \\x1b\]0;pwned/m);
  });
});

/** GitHub-flavoured HTML of a comment, raw HTML passed through (GitHub sanitizes later; it must not be there at all). */
const render = (md: string) => micromark(md, { extensions: [gfm()], htmlExtensions: [gfmHtml()], allowDangerousHtml: true });

describe('diff --markdown of hostile traces', () => {
  let md = '';
  let html = '';
  beforeAll(() => {
    const runs = (tag: string, ns: number) =>
      [0, 1, 2].map((i) => {
        const f = path.join(dir, `${tag}${i}.mpst`);
        hostileTrace(f, { kernelNs: ns + i * 1000 });
        return f;
      });
    const r = cli('diff', '--no-findings', '--markdown', '-', ...runs('b', 10e6), '--', ...runs('c', 14e6));
    expect(r.code).toBe(1);
    md = r.out;
    html = render(md);
  });

  it('renders no link, image, mention, reference, strike, math or HTML from a trace string', () => {
    expectInert(md, 'markdown');
    // Outside code, no trace string is left: everything from the trace is in <code>.
    const prose = html.replace(/<code>[\s\S]*?<\/code>/g, '');
    expect(prose).not.toMatch(/<a |<img|<del>|<script|onerror/);
    for (const needle of ['@octocat', '#1', 'https://', 'www.', '~~', '$x^2$', 'pwned', 'forged'])
      expect(prose, needle).not.toContain(needle);
    // The allowed markup: our own table, details and sub.
    expect(html).toContain('<details><summary>');
  });

  it('keeps the tables intact: every row has as many cells as its header', () => {
    for (const table of html.split('<table>').slice(1)) {
      const [thead, rest] = table.split('</thead>');
      const head = (thead!.match(/<th[ >]/g) ?? []).length;
      expect(head).toBeGreaterThanOrEqual(5);
      for (const tr of rest!.split('</tbody>')[0]!.split('<tr>').slice(1)) expect((tr.match(/<td[ >]/g) ?? []).length).toBe(head);
    }
    expect(md).toMatch(/^\| ``kernel\.kern \\x1b\]0;pwned\\x07 .*\.p50_ns`` \| 10\.001 ms \| 14\.001 ms \| \+40\.0% \|/m);
  });
});

describe('SARIF URIs only from real paths', () => {
  const repo = () => path.join(dir, 'repo');
  beforeAll(() => {
    mkdirSync(path.join(repo(), 'app'), { recursive: true });
    writeFileSync(path.join(repo(), 'app', 'train.py'), 'x = 1\n'.repeat(20));
  });

  /** Every `uri` in the log, wherever it is. */
  function uris(v: unknown, out: string[] = []): string[] {
    if (Array.isArray(v)) for (const x of v) uris(x, out);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) k === 'uri' && typeof x === 'string' ? out.push(x) : uris(x, out);
    return out;
  }

  for (const [what, module] of [
    ['a javascript: URI', 'javascript:alert(1)//app/train.py'],
    ['an https: URI', 'https://evil.example/app/train.py'],
    ['a library path with a newline and ESC', '/usr/lib/libx\n\u001b[2J.so'],
    ['a path that climbs out of the root', '/x/../../../etc/passwd.py'],
    ['a library path with a bidi override', '/usr/lib/lib\u202eos.x'],
  ] as const) {
    it(`module ${what}: only repository files and plain absolute paths become URIs`, () => {
      // in the repository, so that the trace file itself (the anchor of a finding without a site there) is a real path
      const t = path.join(repo(), `sarif-${what.replace(/\W+/g, '-')}.mpst`);
      hostileTrace(t, { module });
      const r = cli('analyze', t, '--format', 'sarif', '--source-root', repo());
      expect(r.code, r.err).toBe(0);
      const log = JSON.parse(r.out);
      for (const u of uris(log)) {
        expect(u, u).not.toMatch(/^(javascript|https?|data|vbscript):/i);
        expect(decodeURIComponent(u), u).not.toMatch(RAW_CONTROL);
        expect(decodeURIComponent(u), u).not.toContain('\n');
        if (u.startsWith('file:')) {
          expect(u).toMatch(/^file:\/\/\//);
          expect(decodeURIComponent(u).split('/')).not.toContain('..');
        } else {
          expect(existsSync(path.join(repo(), decodeURIComponent(u))), u).toBe(true);
        }
      }
      expectInert(r.out, 'sarif');
      const res = log.runs[0].results[0];
      expect(res.ruleId).toBe('incomplete-device-sync');
      // the trace string is in the message, inert: escaped controls, escaped brackets (no embedded links)
      expect(res.message.text).toContain('\\x1b\\]0;pwned\\x07');
      expect(res.message.text).toContain('!\\[i\\](https://e.x/i.png)');
      for (const rl of res.relatedLocations ?? []) expect(RAW_CONTROL.test(JSON.stringify(rl.logicalLocations))).toBe(false);
      if (module.startsWith('javascript:')) expect(res.locations[0].physicalLocation.artifactLocation.uri).toBe('app/train.py');
    });
  }
});
