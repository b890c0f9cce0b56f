/**
 * `mpstrace analyze <trace>`: runs the detectors and prints findings as text,
 * JSON (`--json`) or SARIF (`--format sarif`). Exit codes: 0 ok, 1 findings at
 * or above `--fail-on`, 2 bad input or usage, 3 a detector failed (the others'
 * findings are printed, with a warning naming it) or a bug.
 */
import { Option, type Command } from 'commander';
import { detectors as registeredDetectors, PACKAGE_ROOT, type Detector } from '../detectors/registry.js';
import type { ThresholdDef } from '../detectors/defineDetector.js';
import { optionFlag } from '../detectors/optionTable.js';
import { selectDetectors } from '../analyze/analyzeTrace.js';
import { TraceSession } from '../analyze/session.js';
import { buildReport, failsAt } from '../output/findingsJson.js';
import { formatText } from '../output/findingsText.js';
import { defaultSourceRoot, packageHomepage, toSarif } from '../output/sarif.js';
import { writeOutput } from '../util/output.js';
import { escapeText, safeJson } from '../util/escape.js';
import { EXIT_CHECK_FAILED, EXIT_INTERNAL, UserError } from '../util/errors.js';
import { outputOption, resolveOutput } from './outputOption.js';

// Thresholds become options at registration. A broken detector folder must not
// break the other commands: the error surfaces when analyze runs.
function registryOrError(): Detector[] | Error {
  try {
    return registeredDetectors();
  } catch (err) {
    return err as Error;
  }
}

function allThresholds(): ThresholdDef[] {
  const all = registryOrError();
  if (all instanceof Error) return [];
  const seen = new Map<string, ThresholdDef>();
  for (const d of all) for (const t of d.thresholds ?? []) if (!seen.has(t.name)) seen.set(t.name, t);
  return [...seen.values()];
}

function parseNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UserError(`--${flag} takes a non-negative number, got '${v}'`);
    return n;
  };
}

interface AnalyzeCliOptions {
  json?: boolean;
  format?: 'text' | 'json' | 'sarif';
  failOn?: 'error' | 'warning';
  rules?: string;
  output?: string;
  out?: string;
  group: boolean;
  timings?: boolean;
  cache?: string | boolean;
  sourceRoot?: string;
  [threshold: string]: unknown;
}

export function register(program: Command): void {
  const cmd = program
    .command('analyze')
    .description(
      "find the audit's bug classes in a trace (incomplete device syncs, wrong-stream events, slot ownership, hangs, retained buffers, leaked slots)",
    )
    .argument('<trace>', 'a .mpst trace (or a .duckdb cache saved from one)')
    .option('--json', 'print findings as JSON (same as --format json)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']))
    .addOption(new Option('--fail-on <level>', 'exit 1 when a finding at or above this severity exists').choices(['error', 'warning']))
    .option('--rules <ids>', 'comma-separated rule ids to run (default: all)')
    .option('--source-root <dir>', 'SARIF: make file URIs relative to this directory (default: the git root above the current directory)')
    .option('--no-group', 'list every occurrence instead of grouping by signature')
    .option('--cache [file]', 'save the decoded trace as <trace>.duckdb (or [file].duckdb) and reuse it next time')
    .option('--timings', "print each detector's run time to stderr");
  outputOption(cmd, 'write the output to a file instead of stdout (`-`: stdout; missing directories are created)');
  for (const t of allThresholds()) {
    const flag = optionFlag(t.name);
    cmd.option(`--${flag} <${t.unit}>`, `${t.doc} (default ${t.default} ${t.unit})`, parseNumber(flag));
  }
  cmd.action(async (tracePath: string, opts: AnalyzeCliOptions) => {
    const registry = registryOrError();
    if (registry instanceof Error) throw registry;
    const format = opts.json ? 'json' : (opts.format ?? 'text');
    if (opts.json && opts.format && opts.format !== 'json')
      throw new UserError(`--json conflicts with --format ${opts.format}; give one of them`);
    const rules = opts.rules
      ?.split(',')
      .map((r) => r.trim())
      .filter((r) => r.length > 0);
    const detectors = selectDetectors(rules);
    const thresholds: Record<string, number> = {};
    for (const t of allThresholds()) if (typeof opts[t.name] === 'number') thresholds[t.name] = opts[t.name] as number;

    const session = await TraceSession.open(tracePath, { cache: opts.cache ?? false });
    try {
      const { findings, failed } = await session.analysis({
        detectors,
        thresholds,
        group: opts.group,
        onTiming: opts.timings ? (rule, ms) => process.stderr.write(`${rule}: ${ms.toFixed(1)} ms\n`) : undefined,
      });
      const meta = await session.meta();
      const report = buildReport({ path: tracePath, meta, warnings: session.warnings }, findings, detectors, failed);
      const text =
        format === 'json'
          ? `${safeJson(report)}\n`
          : format === 'sarif'
            ? `${safeJson(toSarif(report, detectors, { sourceRoot: opts.sourceRoot ?? defaultSourceRoot(), homepage: packageHomepage(PACKAGE_ROOT) }))}\n`
            : formatText(report);
      const output = resolveOutput(opts, { required: false });
      if (output) writeOutput(output, text);
      else process.stdout.write(text);
      // a detector failed: the output holds the others' findings and says so; never a clean exit 0
      if (report.incomplete && (output || format !== 'text'))
        process.stderr.write(`mpstrace: warning: ${escapeText(report.incomplete.message)}\n`);
      if (opts.failOn && failsAt(findings, opts.failOn)) process.exitCode = EXIT_CHECK_FAILED;
      else if (report.incomplete) process.exitCode = EXIT_INTERNAL;
    } finally {
      session.close();
    }
  });
}
