/** `mpstrace record [-o file] [--backend auto|cuda|metal] [--torch off|api|full] [--completions cupti|sampled|off] -- <command...>`: run a program with the recorder injected. */
import type { Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { findLibrary, resolveBackend } from '../record/library.js';
import { COMPLETION_MODES, launch, TORCH_LEVELS, type CompletionMode, type TorchLevel } from '../record/launch.js';
import { UserError } from '../util/errors.js';
import { relatedTraces } from '../record/files.js';
import { openTrace } from '../ingest/load.js';
import { renderSummary, summarize } from '../ingest/summary.js';
import { checkTarget, noTraceMessage, type TargetCheck } from '../record/darwin.js';
import { buildRunIndex, writeRunIndex } from '../record/runindex.js';
import { symbolizeTrace } from '../symbols/symbolize.js';
import { summaryLines } from './symbolize.js';
import { outputOption, resolveOutput } from './outputOption.js';
import { isStdout } from '../util/output.js';

export function register(program: Command): void {
  const cmd = program
    .command('record')
    .description('run a command with the recorder injected (LD_PRELOAD / DYLD_INSERT_LIBRARIES) and write a trace')
    .usage('[options] -- <command...>')
    .argument('<command...>', 'the program to record and its arguments (after --)')
    .option('--backend <name>', 'auto (cuda on Linux, metal on macOS), cuda or metal', 'auto')
    .option(
      '--torch <level>',
      'PyTorch layer (mpstrace.torch) in recorded Python programs: off, api (public stream/event/sync intent) or full (adds per-op tensor accesses and block lifetimes); default: $MPSTRACE_TORCH, else api',
    )
    .option(
      '--completions <mode>',
      'GPU completion times (CUDA): cupti (every kernel, copy and fill: costs the driver about 1 us per launch), sampled (only work submitted inside CUPTI sampling windows, 5 % of the time) or off (host calls only); `info` says which a trace has and what it cannot show; default: $MPSTRACE_COMPLETIONS, else cupti',
    )
    .option('--no-summary', 'do not print the trace summary after the run')
    .option('--no-symbolize', 'do not name native call sites (function, file:line) from the binaries after the run');
  outputOption(
    cmd,
    "trace file to write (its forked/exec'ed processes write <name>.<pid>[.execN].mpst next to it), or a directory ending in / for the run (default: mpstrace-run/)",
  ).action(
    async (
      command: string[],
      opts: {
        output?: string;
        out?: string;
        backend: string;
        summary: boolean;
        symbolize: boolean;
        torch?: string;
        completions?: string;
      },
    ) => {
      const o = { ...opts, out: resolveOutput(opts, { required: false }) ?? 'mpstrace-run/' };
      if (isStdout(o.out))
        throw new UserError(
          '-o -: the recorder writes its trace file by offset, which stdout cannot take; give a file or a directory ending in /',
        );
      if (o.torch !== undefined && !(TORCH_LEVELS as readonly string[]).includes(o.torch)) {
        throw new UserError(`--torch must be one of ${TORCH_LEVELS.join(', ')}, not '${o.torch}'`);
      }
      if (o.completions !== undefined && !(COMPLETION_MODES as readonly string[]).includes(o.completions)) {
        throw new UserError(`--completions must be one of ${COMPLETION_MODES.join(', ')}, not '${o.completions}'`);
      }
      const backend = resolveBackend(o.backend);
      const library = findLibrary(backend);
      // a run directory (the default): the first process's trace is <program>.mpst in it,
      // every forked/exec'ed process's next to it, and index.json lists them
      const runDir = o.out.endsWith('/') || (existsSync(o.out) && statSync(o.out).isDirectory()) ? path.resolve(o.out) : null;
      if (runDir) {
        if (command.length === 0)
          throw new UserError('nothing to record: give the command after --, e.g. `mpstrace record -- python3 train.py`');
        mkdirSync(runDir, { recursive: true });
        for (const n of readdirSync(runDir)) if (n.endsWith('.mpst') || n === 'index.json') rmSync(path.join(runDir, n), { force: true });
      }
      const out = runDir
        ? path.join(runDir, `${path.basename(command[0]!).replace(/[^\w.-]/g, '_') || 'trace'}.mpst`)
        : path.resolve(o.out);
      rmSync(out, { force: true }); // a stale file must not pass for this run's trace
      // macOS: say before the run when dyld will not inject the recorder (SIP, hardened runtime)
      let target: TargetCheck | undefined;
      if (process.platform === 'darwin' && backend === 'metal') {
        target = checkTarget(command);
        for (const p of target.problems) process.stderr.write(`mpstrace: warning: ${p}\n`);
      }
      const started = Date.now();
      const r = await launch({
        backend,
        library,
        out,
        command,
        torch: o.torch as TorchLevel | undefined,
        completions: o.completions as CompletionMode | undefined,
      });
      const err = (s: string) => process.stderr.write(`mpstrace: ${s}\n`);
      if (r.signal) err(`${command[0]} was killed by ${r.signal}`);
      if ((!existsSync(out) || statSync(out).size === 0) && target) {
        err(noTraceMessage(out, command, target));
      } else if (!existsSync(out) || statSync(out).size === 0) {
        err(
          `no trace was written to ${out}: the recorder did not load into ${command[0]} ` +
            '(statically linked or setuid programs ignore LD_PRELOAD; a wrapper script that clears the environment drops it)',
        );
      } else {
        err(`trace written to ${out}`);
        const others = relatedTraces(out, started);
        if (others.length) err(`${others.length} more from forked/exec'ed processes: ${others.map((p) => path.basename(p)).join(', ')}`);
        // symbols while the binaries are surely the ones that ran, on this machine
        if (o.symbolize) {
          for (const t of [out, ...others]) {
            try {
              const s = symbolizeTrace(t);
              if (s.sites) err(summaryLines(s)[0]!.replace(`${t}: `, `${path.basename(t)}: `));
            } catch (e) {
              err(`could not symbolize ${path.basename(t)}: ${(e as Error).message} (run \`mpstrace symbolize\` later)`);
            }
          }
        }
        const index = buildRunIndex(command, started, [out, ...others]);
        if (runDir || others.length) {
          const file = writeRunIndex(path.dirname(out), index);
          err(`${index.processes.length} process(es) in this run, listed in ${file}`);
        }
        const shown = index.gpu_process || out;
        if (shown !== out) {
          const p = index.processes.find((x) => x.file === shown)!;
          err(
            `summary of ${path.basename(shown)} (pid ${p.pid}), the process that did the GPU work; ${path.basename(out)} was a wrapper` +
              (index.processes[0]?.execs.length ? ` that exec'd ${index.processes[0].execs.join(', ')}` : ''),
          );
        }
        if (o.summary) {
          const t = await openTrace(shown);
          try {
            process.stderr.write(renderSummary(await summarize(t)));
          } finally {
            t.close();
          }
        }
      }
      process.exitCode = r.exitCode;
    },
  );
}
