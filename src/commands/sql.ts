/** `mpstrace sql <trace> "<query>" [--json|--csv]`: SQL over the loaded tables and views. */
import type { Command } from 'commander';
import { openTrace } from '../ingest/load.js';
import { runQuery, toCsv, toJsonRows, toTable } from '../ingest/results.js';
import { UserError } from '../util/errors.js';
import { escapeText, safeJson } from '../util/escape.js';

export function register(program: Command): void {
  program
    .command('sql')
    .description('run SQL over a trace (tables: raw_events, events, submissions, host_syncs, slot_spans, ... and ev_<kind>)')
    .argument('<trace>', 'a .mpst trace, or a .duckdb / Parquet directory saved from one')
    .argument('<query>', "SQL; the last statement's rows are printed")
    .option('--json', 'rows as a JSON array of objects (64-bit integers beyond 2^53 as strings)')
    .option('--csv', 'rows as CSV with a header line')
    .option('--cache [file]', 'save the decoded trace as <trace>.duckdb (or [file].duckdb) and reuse it next time')
    .action(async (trace: string, query: string, o: { json?: boolean; csv?: boolean; cache?: string | boolean }) => {
      if (o.json && o.csv) throw new UserError('choose one of --json and --csv');
      const t = await openTrace(trace, { cache: o.cache });
      try {
        for (const w of t.warnings) process.stderr.write(`mpstrace: warning: ${escapeText(w.message)}\n`);
        const r = await runQuery(t.connection, query);
        if (o.json) process.stdout.write(safeJson(toJsonRows(r), 1) + '\n');
        else if (o.csv) process.stdout.write(toCsv(r));
        else process.stdout.write(toTable(r));
      } finally {
        t.close();
      }
    });
}
