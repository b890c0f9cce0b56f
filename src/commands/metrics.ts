/**
 * `mpstrace metrics <trace...> [--json]`: a versioned summary per trace (busy
 * time, overlap, sync stalls, idle gaps, kernel percentiles, findings counts).
 */
import type { Command } from 'commander';
import { measureTraces } from '../metrics/measure.js';
import { addMeasureOptions, measureOptions, type MeasureCliOptions } from '../metrics/options.js';
import { renderMetricsText } from '../output/metricsText.js';
import { escapeText, safeJson } from '../util/escape.js';
import { EXIT_INTERNAL } from '../util/errors.js';

export function register(program: Command): void {
  const cmd = program
    .command('metrics')
    .description('performance metrics per trace: GPU busy/overlap, host sync stalls, idle gaps, kernel percentiles')
    .argument('<trace...>', 'trace files (.mpst)')
    .option('--json', 'print the versioned JSON document (the input `diff` takes as a saved baseline)');
  addMeasureOptions(cmd).action(async (traces: string[], opts: MeasureCliOptions & { json?: boolean }) => {
    const doc = await measureTraces(traces, measureOptions(opts));
    if (opts.json) process.stdout.write(safeJson(doc) + '\n');
    else process.stdout.write(renderMetricsText(doc));
    for (const t of doc.traces)
      for (const w of t.metrics.source.warnings) process.stderr.write(`mpstrace: warning: ${escapeText(`${t.trace}: ${w}`)}\n`);
    for (const t of doc.traces) {
      const f = t.metrics.findings;
      if (!f.failed_rules?.length) continue;
      // the findings counts are incomplete: say so, and never exit 0
      process.stderr.write(`mpstrace: warning: ${escapeText(`${t.trace}: ${f.note ?? ''}`)}\n`);
      process.exitCode = EXIT_INTERNAL;
    }
  });
}
