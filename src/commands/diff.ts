/**
 * `mpstrace diff <baseline...> -- <candidate...>`: the CI perf-regression gate.
 * Exit 0 pass, 1 a metric regressed beyond the threshold with confidence (or a
 * new error-severity finding appeared), 2 bad input or usage.
 */
import { writeOutput } from '../util/output.js';
import type { Command } from 'commander';
import { compareRuns, DEFAULT_DIFF_OPTIONS } from '../diff/compare.js';
import { loadRuns, optionMismatches } from '../diff/inputs.js';
import { renderJson, renderMarkdown, renderText } from '../output/diffText.js';
import { addMeasureOptions, measureOptions, nonNegative, type MeasureCliOptions } from '../metrics/options.js';
import { EXIT_CHECK_FAILED, UserError } from '../util/errors.js';

/** `5%`, `5` -> 0.05 (a bare number is a percentage). */
export function parsePercent(flag: string) {
  return (v: string): number => {
    const m = /^\s*([0-9]*\.?[0-9]+)\s*%?\s*$/.exec(v);
    if (!m) throw new UserError(`--${flag} takes a percentage such as 5% or 2.5, got '${v}'`);
    return Number(m[1]) / 100;
  };
}

/** `0.95` or `95%` -> 0.95; must lie in (0.5, 1). */
export function parseConfidence(v: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*(%?)\s*$/.exec(v);
  const c = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(c > 0.5 && c < 1)) throw new UserError(`--confidence takes a level between 0.5 and 1 (e.g. 0.95 or 95%), got '${v}'`);
  return c;
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`--${flag} takes a positive integer, got '${v}'`);
    return n;
  };
}

/** Commander drops `--`; find where it was in the raw argv to split the two sides. */
export function splitSides(operands: string[], rawArgs: string[]): [string[], string[]] {
  const sep = rawArgs.indexOf('--');
  if (sep < 0) {
    throw new UserError('separate the two sides with --: `mpstrace diff <baseline...> -- <candidate...>` (options go before --)');
  }
  const candidate = rawArgs.slice(sep + 1);
  const baseline = operands.slice(0, operands.length - candidate.length);
  if (baseline.length === 0) throw new UserError('no baseline runs before --: pass traces or a saved `metrics --json` document');
  if (candidate.length === 0) throw new UserError('no candidate runs after --: pass the traces to check');
  const stray = candidate.find((a) => a.startsWith('-'));
  if (stray) throw new UserError(`'${stray}' comes after --, where only candidate files go; put options before --`);
  return [baseline, candidate];
}

interface DiffCliOptions extends MeasureCliOptions {
  threshold: number;
  confidence: number;
  json?: boolean;
  markdown?: string | boolean;
  seed: number;
  minRuns: number;
  minAbsNs: number;
}

export function register(program: Command): void {
  const cmd = program
    .command('diff')
    .description('noise-aware perf-regression gate: compare metrics of baseline runs with candidate runs')
    .argument('<runs...>', 'baseline traces or saved `metrics --json` documents, then --, then candidate traces/documents')
    .option('--threshold <pct>', 'relative change that counts as a regression', parsePercent('threshold'), DEFAULT_DIFF_OPTIONS.threshold)
    .option('--confidence <level>', 'confidence level of the CI and the test', parseConfidence, DEFAULT_DIFF_OPTIONS.confidence)
    .option('--json', 'print the comparison as JSON')
    .option('--markdown [file]', 'write a pull-request comment (Markdown) to file, or to stdout without one (then put it right before --)')
    .option('--seed <n>', 'bootstrap seed (verdicts are reproducible)', positiveInt('seed'), DEFAULT_DIFF_OPTIONS.seed)
    .option('--min-runs <n>', 'runs per side needed for a confidence statement', positiveInt('min-runs'), DEFAULT_DIFF_OPTIONS.minRuns)
    .option(
      '--min-abs-ns <ns>',
      'ignore changes of time metrics smaller than this',
      nonNegative('min-abs-ns'),
      DEFAULT_DIFF_OPTIONS.minAbsNs,
    );
  addMeasureOptions(cmd).action(async (operands: string[], opts: DiffCliOptions, self: Command) => {
    let root: Command = self;
    while (root.parent) root = root.parent;
    // rawArgs is commander's (untyped) copy of the argv it parsed.
    const raw = (root as unknown as { rawArgs?: string[] }).rawArgs ?? process.argv;
    const [baseFiles, candFiles] = splitSides(operands, raw.slice(raw.indexOf(self.name()) + 1));
    if (typeof opts.markdown === 'string' && /\.(json|mpst|duckdb)$/i.test(opts.markdown)) {
      throw new UserError(
        `--markdown would overwrite '${opts.markdown}', which looks like an input; give it a .md file, or put --markdown right before --`,
      );
    }
    // `--markdown -` is the same as a bare --markdown: the comment goes to stdout (never to a file named '-')
    if (opts.markdown === '-') opts.markdown = true;
    if (opts.json && opts.markdown === true) throw new UserError('--json and --markdown both want stdout; give --markdown a file');
    const mopts = measureOptions(opts);
    const baseline = await loadRuns(baseFiles, mopts);
    const candidate = await loadRuns(candFiles, mopts);
    const report = compareRuns(
      baseline.map((r) => r.metrics),
      candidate.map((r) => r.metrics),
      {
        threshold: opts.threshold,
        confidence: opts.confidence,
        seed: opts.seed,
        minRuns: opts.minRuns,
        minAbsNs: opts.minAbsNs,
      },
    );
    // Saved documents only matter when traces are measured now, with the current options.
    if ([...baseline, ...candidate].some((r) => !r.savedOptions))
      report.notes.push(...optionMismatches([...baseline, ...candidate], mopts));
    // a file's missing directories are created
    if (typeof opts.markdown === 'string') writeOutput(opts.markdown, renderMarkdown(report));
    if (opts.json) process.stdout.write(renderJson(report));
    else if (opts.markdown === true) process.stdout.write(renderMarkdown(report));
    else process.stdout.write(renderText(report));
    if (report.verdict === 'fail') process.exitCode = EXIT_CHECK_FAILED;
  });
}
