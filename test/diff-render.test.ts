import { describe, expect, it } from 'vitest';
import { compareSamples, DEFAULT_DIFF_OPTIONS, type DiffReport } from '../src/diff/compare.js';
import { renderJson, renderMarkdown, renderText, shortKey, shortKeys } from '../src/output/diffText.js';

const evil = 'kernel.evil|name\n<script>alert(`x`)</script>\u001b[31m.p50_ns';

function report(): DiffReport {
  const reg = compareSamples(evil, { unit: 'ns', direction: 'higher_is_worse' }, [1e6, 1.01e6, 0.99e6], [2e6, 2.02e6, 1.98e6]);
  const same = compareSamples('step.median_ns', { unit: 'ns', direction: 'higher_is_worse' }, [1e6, 1e6, 1e6], [1e6, 1e6, 1e6]);
  return {
    verdict: 'fail', baseline_runs: 3, candidate_runs: 3, options: DEFAULT_DIFF_OPTIONS,
    regressions: [reg], improvements: [], comparisons: [reg, same],
    new_error_rules: [{ rule: 'bad|rule`\n', severity: 'error', baseline_runs_with: 0, candidate_runs_with: 2, candidate_count: 5 }],
    notes: ['a note'],
  };
}

describe('diff rendering', () => {
  it('Markdown: hostile names cannot break the table, inject HTML or add lines', () => {
    const md = renderMarkdown(report());
    const row = md.split('\n').find((l) => l.startsWith('| regressed'))!;
    expect(row).toBeDefined();
    // 8 columns: 9 unescaped pipes.
    expect(row.match(/(?<!\\)\|/g)).toHaveLength(9);
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('\u001b');
    expect(md).toContain('\\<script\\>');
    expect(md).toContain("- `bad|rule'?`: 5 finding(s) in 2 candidate run(s)");
    expect(md).not.toContain('step.median'); // unchanged metrics are not listed
  });

  it('text: control characters become ?, long keys keep both ends', () => {
    const text = renderText(report());
    expect(text).not.toContain('\u001b');
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
