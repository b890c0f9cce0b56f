import { describe, expect, it } from 'vitest';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { compareSamples, DEFAULT_DIFF_OPTIONS, type DiffReport } from '../src/diff/compare.js';
import { GITHUB_COMMENT_LIMIT, renderJson, renderMarkdown, renderText, shortKey, shortKeys } from '../src/output/diffText.js';

const evil = 'kernel.evil|name\n<script>alert(`x`)</script>\u001b[31m.p50_ns';

/** GitHub-flavoured HTML, raw HTML passed through (GitHub would sanitize it; it must not be there at all). */
const render = (md: string) => micromark(md, { extensions: [gfm()], htmlExtensions: [gfmHtml()], allowDangerousHtml: true });

function report(): DiffReport {
  const reg = compareSamples(evil, { unit: 'ns', direction: 'higher_is_worse' }, [1e6, 1.01e6, 0.99e6], [2e6, 2.02e6, 1.98e6]);
  const same = compareSamples('step.median_ns', { unit: 'ns', direction: 'higher_is_worse' }, [1e6, 1e6, 1e6], [1e6, 1e6, 1e6]);
  return {
    verdict: 'fail',
    baseline_runs: 3,
    candidate_runs: 3,
    options: DEFAULT_DIFF_OPTIONS,
    regressions: [reg],
    improvements: [],
    comparisons: [reg, same],
    new_error_rules: [{ rule: 'bad|rule`\n', severity: 'error', baseline_runs_with: 0, candidate_runs_with: 2, candidate_count: 5 }],
    notes: ['a note'],
  };
}

describe('diff rendering', () => {
  it('Markdown: hostile names cannot break the table, inject HTML or add lines', () => {
    const md = renderMarkdown(report());
    const row = md.split('\n').find((l) => l.startsWith('| ``kernel.evil'))!;
    expect(row).toBeDefined();
    // 5 columns: 6 unescaped pipes.
    expect(row.match(/(?<!\\)\|/g)).toHaveLength(6);
    expect(render(md)).not.toContain('<script>');
    expect(md).not.toContain('\u001b');
    expect(row).toContain('``kernel.evil\\|name\\n<script>alert(`');
    // the full name, escaped, in the collapsed part
    expect(md).toMatch(/^- ``evil\|name\\n<script>.*``: ``evil\|name\\n<script>alert\(`x`\)<\/script>\\x1b\[31m``$/m);
    expect(md).toContain('- ``bad|rule`\\n``: 5 finding(s) in 2 candidate run(s)');
    expect(md).not.toContain('step.median'); // unchanged metrics are not listed
  });

  it('Markdown: verdict first, regressions in a narrow table, notes, the rest collapsed, no infinite interval', () => {
    const zero = compareSamples('host_sync.unreturned', { unit: 'count', direction: 'higher_is_worse' }, [0, 0, 0], [2, 3, 2]);
    const info = compareSamples('gpu.busy_sum_ns', { unit: 'ns', direction: 'info' }, [1e6, 1e6, 1e6], [2e6, 2e6, 2e6]);
    const r = report();
    r.comparisons.push(zero, info);
    r.regressions.push(zero);
    const md = renderMarkdown(r);
    const lines = md.split('\n');
    expect(lines[0]).toBe('### ❌ mpstrace perf gate: FAIL: 2 metric(s) regressed, 1 new error finding rule(s)');
    expect(md).not.toContain('∞');
    // the regression from 0: its note, as in the text output, and no CI bounds
    expect(md).toMatch(/^\| `host_sync\.unreturned` \| 0 \| 2 \| new \(from 0\) \| - \|$/m);
    expect(md).toMatch(/^- `host_sync\.unreturned`: baseline median is 0$/m);
    // the info metric in the collapsed part, after the regressions
    const details = md.indexOf('<details>');
    expect(details).toBeGreaterThan(md.indexOf('host_sync.unreturned'));
    expect(md.indexOf('| changed | `gpu.busy_sum_ns`')).toBeGreaterThan(details);
    expect(md.indexOf('</details>')).toBeGreaterThan(md.indexOf('| changed | `gpu.busy_sum_ns`'));
  });

  it('Markdown: stays under a length limit by leaving out the tail of the collapsed part, and says what', () => {
    const rows = Array.from({ length: 80 }, (_, i) =>
      compareSamples(`kernel.k${i}_${'x'.repeat(500)}.p90_ns`, { unit: 'ns', direction: 'info' }, [1e6, 1e6, 1e6], [2e6, 2e6, 2e6]),
    );
    const r = report();
    r.comparisons.push(...rows);
    const md = renderMarkdown(r, { limit: 8_000 });
    expect(md.length).toBeLessThanOrEqual(8_000);
    expect(md).toMatch(
      /\n\n_Left out to stay under GitHub's 65,536-character comment limit: \d+ table rows, 81 full names; `mpstrace diff --json` has them all\._\n/,
    );
    // the regressions are never left out
    expect(md).toMatch(/^\| ``kernel\.evil/m);
    expect(md).toContain('</details>');
    expect(md.trimEnd().endsWith('</sub>')).toBe(true);
    expect(renderMarkdown(r).length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
  });

  it('text: control characters become visible escapes, long keys keep both ends', () => {
    const text = renderText(report());
    expect(text).not.toContain('\u001b');
    expect(text).toContain('kernel.evil|name\\n<script>');
    expect(text).toMatch(/^FAIL: 1 metric\(s\) regressed, 1 new error finding rule\(s\)/);
    const long = `kernel.${'x'.repeat(200)}.p50_ns`;
    expect(shortKey(long)).toHaveLength(72);
    expect(shortKey(long).endsWith('.p50_ns')).toBe(true);
  });

  it('JSON: the full key, verdict and statistics', () => {
    const doc = JSON.parse(renderJson(report()));
    expect(doc).toMatchObject({ kind: 'diff', verdict: 'fail', regressions: [evil] });
    expect(doc.metrics[0]).toMatchObject({ key: evil, verdict: 'regressed', change_pct: 100, confidence_available: true });
  });
});

describe('shortKeys', () => {
  it('keeps kernel names apart that differ only in the middle', () => {
    const base = 'kernel:void at::native::vectorized_elementwise_kernel<4, at::native::';
    const tail = '>(int, at::native::detail::Array<char*, 2>, at::native::memory::LoadWithoutCast).total_ns';
    const a = `${base}AddFunctor<float>${tail}`;
    const b = `${base}MulFunctor<float>${tail}`;
    const m = shortKeys([a, b, 'kernel:short.total_ns']);
    expect(m.get(a)).not.toBe(m.get(b));
    expect(m.get(a)).toContain('AddFunctor');
    expect(m.get(b)).toContain('MulFunctor');
    expect(m.get(a)!.length).toBeLessThanOrEqual(73);
    expect(m.get('kernel:short.total_ns')).toBe('kernel:short.total_ns');
  });
});
