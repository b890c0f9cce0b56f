// `mpstrace report` and `mpstrace export --format chrome` as a user runs them (built CLI).
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { knownTrace } from './report-fixture.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'mpst-report-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/mpstrace.js'), ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mpstrace report / export (CLI)', () => {
  const trace = path.join(dir, 'known.mpst');
  knownTrace().writeFile(trace);

  it('writes the report, prints its path and a size summary', () => {
    const out = path.join(dir, 'out.html');
    const r = cli('report', trace, '-o', out, '--title', 'my <run>');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${out}\n`);
    expect(r.stderr).toMatch(/wrote .*out\.html \([\d.]+ MB, [\d.]+ bytes\/event; 12 intervals, 3 instants, 6 flows/);
    const html = readFileSync(out, 'utf8');
    expect(html.includes('"title":"my \\u003crun\\u003e"')).toBe(true);
  });

  it('writes an aggregated report with a note over --max-items (or MPSTRACE_REPORT_MAX_ITEMS), and refuses a bad limit', () => {
    const out = path.join(dir, 'agg.html');
    const r = cli('report', trace, '-o', out, '--max-items', '5');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /too large to embed one by one \(about \d+ items, limit 5\); the report shows aggregated tracks and all findings/,
    );
    expect(r.stderr).toMatch(/0 flows/);
    expect(readFileSync(out, 'utf8')).toMatch(/Aggregated view: /);
    const env = spawnSync(process.execPath, [path.join(root, 'bin/mpstrace.js'), 'report', trace, '-o', out], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, MPSTRACE_REPORT_MAX_ITEMS: '5' },
    });
    expect(env.stderr).toMatch(/limit 5\)/);
    const bad = cli('report', trace, '-o', out, '--max-items', 'many');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-items takes a whole number/);
  });

  it('defaults the output to <trace name>.html in the current directory', () => {
    const r = cli('report', trace, '--no-analyze');
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, 'known.html'))).toBe(true);
  });

  it('exits 2 with a message for a missing or unreadable input', () => {
    const r = cli('report', path.join(dir, 'missing.mpst'), '-o', path.join(dir, 'x.html'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing\.mpst/);
    const garbage = path.join(dir, 'garbage.mpst');
    writeFileSync(garbage, 'not a trace at all, just text');
    const g = cli('report', garbage, '-o', path.join(dir, 'g.html'));
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/^mpstrace: /);
    expect(g.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
  });

  it('exports Chrome JSON and rejects unknown formats and unwritable outputs', () => {
    const out = path.join(dir, 'known.json');
    const r = cli('export', trace, '--format', 'chrome', '-o', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ui\.perfetto\.dev/);
    expect(JSON.parse(readFileSync(out, 'utf8')).traceEvents.length).toBeGreaterThan(10);
    const bad = cli('export', trace, '--format', 'svg', '-o', out);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown --format 'svg'; known formats: chrome/);
    // missing directories are created; `-` is stdout
    const deep = path.join(dir, 'no', 'such', 'dir.json');
    expect(cli('export', trace, '-f', 'chrome', '-o', deep).code).toBe(0);
    expect(JSON.parse(readFileSync(deep, 'utf8')).traceEvents.length).toBeGreaterThan(10);
    const dash = cli('export', trace, '-f', 'chrome', '-o', '-');
    expect(dash.code).toBe(0);
    expect(JSON.parse(dash.stdout).traceEvents.length).toBe(JSON.parse(readFileSync(deep, 'utf8')).traceEvents.length);
    expect(existsSync(path.join(dir, '-'))).toBe(false);
    // a path that cannot be a file: exit 2 with what to do
    writeFileSync(path.join(dir, 'afile'), '');
    const nowhere = cli('export', trace, '-f', 'chrome', '-o', path.join(dir, 'afile', 'x.json'));
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/cannot (write|create)/);
  });
});

describe('npm start: the first run', () => {
  // The trace `npm start` analyzes (scripts/start.mjs names it once).
  const startTrace = /path\.join\(([^)]*)\)/
    .exec(readFileSync(path.join(root, 'scripts/start.mjs'), 'utf8').split('MPSTRACE_START_TRACE ??')[1])![1]
    .split(',')
    .map((s) => s.trim().replace(/^'|'$/g, ''))
    .join('/');

  it('analyzes a bundled trace with real error findings, and the report counts them as the CLI does', () => {
    const trace = path.join(root, startTrace);
    const a = cli('analyze', trace);
    expect(a.code).toBe(0);
    const last = a.stdout.trim().split('\n').pop()!;
    // A first run that teaches shows a bug, not "no problems found".
    const m = /: (\d+) errors?, (\d+) warnings? \((\d+) occurrences?\)/.exec(last);
    expect(m, last).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    const out = path.join(dir, 'start.html');
    const r = cli('report', trace, '-o', out);
    expect(r.code).toBe(0);
    const count = `${m![1]} errors, ${m![2]} warnings (${m![3]} occurrences)`;
    expect(r.stderr).toContain(count);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`"findingsCount":"${count}; 3 context notes"`);
    // The report lists the CLI's call sites and times verbatim.
    const site = /^ {2}at (\S+:\d+ \(\S+\.py\))$/m.exec(a.stdout)![1];
    expect(html).toContain(JSON.stringify(site));
    const t = /(t=\d+\.\d{6}s)/.exec(a.stdout)![1];
    expect(html).toContain(`"when":"${t}"`);
  });
});
