/** `mpstrace report <trace> -o out.html`: a self-contained HTML timeline of a trace. */
import path from 'node:path';
import type { Command } from 'commander';
import { writeReport } from '../report/writeReport.js';
import { MAX_ITEMS, maxItemsFrom } from '../report/model.js';
import { EXIT_INTERNAL, UserError } from '../util/errors.js';
import { escapeText } from '../util/escape.js';
import { isStdout } from '../util/output.js';
import { outputOption, resolveOutput } from './outputOption.js';

function itemCount(v: string): number {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--max-items takes a whole number >= 0, got '${v}'`);
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command('report')
    .description('write a self-contained HTML timeline (streams, threads, syncs, flows, findings); works offline')
    .argument('<trace>', 'a .mpst trace (or a .duckdb cache saved from one)')
    .option('--title <text>', 'title shown in the page header (default: the trace file name)')
    .option('--no-analyze', 'do not run the detectors (no findings list)')
    .option('--cache [file]', 'save the decoded trace as <trace>.duckdb (or [file].duckdb) and reuse it next time')
    .option(
      '--max-items <n>',
      `embed at most this many intervals/instants/flows one by one; a larger trace gets aggregated tracks and a note (default ${MAX_ITEMS}, or MPSTRACE_REPORT_MAX_ITEMS)`,
      itemCount,
    );
  outputOption(
    cmd,
    'HTML file to write (default: <trace name>.html in the current directory; `-`: stdout; missing directories are created)',
  ).action(
    async (
      trace: string,
      o: { output?: string; out?: string; title?: string; analyze: boolean; cache?: string | boolean; maxItems?: number },
    ) => {
      const out = resolveOutput(o, { required: false }) ?? `${path.basename(trace).replace(/\.[^.]*$/, '')}.html`;
      const r = await writeReport(trace, out, {
        title: o.title,
        noAnalyze: !o.analyze,
        cache: o.cache,
        maxItems: o.maxItems ?? maxItemsFrom(),
      });
      if (r.aggregated) {
        process.stderr.write(
          `mpstrace: the trace is too large to embed one by one (about ${r.aggregated.estimatedItems} items, limit ${r.aggregated.maxItems}); ` +
            'the report shows aggregated tracks and all findings (see its note; raise the limit with --max-items)\n',
        );
      }
      process.stderr.write(
        `mpstrace: wrote ${isStdout(out) ? 'the report to stdout' : out} (${(r.bytes / 1e6).toFixed(2)} MB, ${(r.bytes / Math.max(1, r.events)).toFixed(1)} bytes/event; ` +
          `${r.intervals} intervals, ${r.instants} instants, ${r.flows} flows; ${r.findingsCount ?? `${r.findings} findings`})\n`,
      );
      if (r.findingsIncomplete) {
        // the page is written, with the findings of the detectors that ran and a note; the exit code says it is incomplete
        process.stderr.write(`mpstrace: warning: ${escapeText(r.findingsIncomplete)}\n`);
        process.exitCode = EXIT_INTERNAL;
      }
      // the path on stdout lets scripts open it; with `-o -` stdout is the report itself
      if (!isStdout(out)) process.stdout.write(`${out}\n`);
    },
  );
}
