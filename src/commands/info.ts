/** `mpstrace info <trace> [--json]`: what is in a trace and what is wrong with it. */
import type { Command } from 'commander';
import { openTrace, saveTrace } from '../ingest/load.js';
import { renderSummary, summarize } from '../ingest/summary.js';
import { safeJson } from '../util/escape.js';

export function register(program: Command): void {
  program
    .command('info')
    .description('events by kind, threads, streams, time span, backend, recorder and warnings of a trace')
    .argument('<trace>', 'a .mpst trace, or a .duckdb / Parquet directory saved from one')
    .option('--json', 'machine-readable JSON on stdout')
    .option('--cache [file]', 'save the decoded trace as <trace>.duckdb (or [file].duckdb) and reuse it next time')
    .option('--save <out>', 'also save the loaded trace: <out>.duckdb, or a directory of Parquet files')
    .action(async (trace: string, o: { json?: boolean; cache?: string | boolean; save?: string }) => {
      const t = await openTrace(trace, { cache: o.cache });
      try {
        const s = await summarize(t);
        if (o.save) {
          await saveTrace(t, o.save);
          process.stderr.write(`mpstrace: saved the loaded trace to ${o.save}\n`);
        }
        process.stdout.write(o.json ? safeJson(s) + '\n' : renderSummary(s));
      } finally {
        t.close();
      }
    });
}
