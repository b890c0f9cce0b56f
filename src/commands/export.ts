/** `mpstrace export <trace...> --format chrome -o out.json`: traces in other tools' formats. */
import type { Command } from 'commander';
import { TraceSession } from '../analyze/session.js';
import { exportChrome } from '../export/chrome.js';
import { parquetExporter } from '../export/parquet.js';
import { arrowExporter } from '../export/arrow.js';
import { EXIT_INTERNAL, UserError } from '../util/errors.js';
import { escapeText } from '../util/escape.js';
import { incompleteMessage } from '../analyze/analyzeTrace.js';
import { isStdout } from '../util/output.js';
import { outputOption, resolveOutput } from './outputOption.js';

/** An exporter writes `traces` to `out` and returns a one-line summary for stderr. */
export type Exporter = (traces: string[], out: string) => Promise<string>;

/** JSON bytes a record becomes in the Chrome export (240.7 at 1 M synth events, 243.6 at 10 M). */
const CHROME_BYTES_PER_EVENT = 245;
/** Above this estimate the export warns before it starts that a browser will not open the file. */
const CHROME_WARN_BYTES = 1e9;

async function chrome(traces: string[], out: string): Promise<string> {
  if (traces.length !== 1) throw new UserError(`--format chrome takes one trace, got ${traces.length}; export them one at a time`);
  const t = await TraceSession.open(traces[0]);
  try {
    const guess = t.info.events * CHROME_BYTES_PER_EVENT;
    if (guess > CHROME_WARN_BYTES) {
      process.stderr.write(
        `mpstrace: warning: ${t.info.events} events make about ${(guess / 1e9).toFixed(1)} GB of JSON; the Perfetto UI in a browser ` +
          'typically has about 2 GB for the parsed trace (more than the file) and chrome://tracing less, so it will likely not open: ' +
          "for a trace this size `mpstrace report` (its aggregated page) or `mpstrace sql` are the way in (or Perfetto's trace_processor --httpd)\n",
      );
    }
    let incomplete: string | undefined;
    const analyze = async () => {
      const a = await t.analysis();
      if (a.failed.length > 0) incomplete = incompleteMessage(a);
      return a.findings; // the detectors that ran keep their findings
    };
    const s = await exportChrome(t.loaded, out, { analyze });
    if (incomplete) {
      process.stderr.write(`mpstrace: warning: ${escapeText(incomplete)}\n`);
      process.exitCode = EXIT_INTERNAL;
    }
    return `wrote ${out === '-' ? 'stdout' : out} (${(s.bytes / 1e6).toFixed(2)} MB: ${s.events} trace events, ${s.slices} slices, ${s.flows} flows, ${s.findings ?? 0} findings); open it in https://ui.perfetto.dev or chrome://tracing`;
  } finally {
    t.close();
  }
}

/** One entry per format: adding a format is one line here. */
export const FORMATS: Record<string, Exporter> = {
  chrome,
  parquet: parquetExporter,
  arrow: arrowExporter,
};

export function register(program: Command): void {
  const cmd = program
    .command('export')
    .description(
      'export a trace for other tools: chrome (Perfetto UI / chrome://tracing JSON), parquet (fleets of runs), arrow (IPC files for pandas/polars)',
    )
    .argument('<trace...>', 'trace file(s)')
    .requiredOption('-f, --format <name>', `output format: ${Object.keys(FORMATS).join(', ')}`);
  outputOption(
    cmd,
    'file (or directory, for formats that write several files) to write; chrome: `-` is stdout; missing directories are created',
    { required: true },
  ).action(async (traces: string[], o: { format: string; output?: string; out?: string }) => {
    const run = FORMATS[o.format];
    if (!run) throw new UserError(`unknown --format '${o.format}'; known formats: ${Object.keys(FORMATS).join(', ')}`);
    const output = resolveOutput(o)!;
    if (isStdout(output) && o.format !== 'chrome')
      throw new UserError(`-o -: --format ${o.format} writes a directory of files, which stdout cannot take; give a directory`);
    process.stderr.write(`mpstrace: ${await run(traces, output)}\n`);
  });
}
