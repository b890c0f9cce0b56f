/** `mpstrace record [-o file] [--backend auto|cuda|metal] [--torch off|api|full] -- <command...>`: run a program with the recorder injected. */
import type { Command } from 'commander';
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { findLibrary, resolveBackend } from '../record/library.js';
import { launch, TORCH_LEVELS, type TorchLevel } from '../record/launch.js';
import { UserError } from '../util/errors.js';
import { relatedTraces } from '../record/files.js';
import { openTrace } from '../ingest/load.js';
import { renderSummary, summarize } from '../ingest/summary.js';
import { checkTarget, noTraceMessage, type TargetCheck } from '../record/darwin.js';

export function register(program: Command): void {
  program
    .command('record')
    .description('run a command with the recorder injected (LD_PRELOAD / DYLD_INSERT_LIBRARIES) and write a trace')
    .usage('[options] -- <command...>')
    .argument('<command...>', 'the program to record and its arguments (after --)')
    .option('-o, --out <file>', 'trace file to write', 'mpstrace.mpst')
    .option('--backend <name>', 'auto (cuda on Linux, metal on macOS), cuda or metal', 'auto')
    .option('--torch <level>', 'PyTorch layer (mpstrace.torch) in recorded Python programs: off, api (public stream/event/sync intent) or full (adds per-op tensor accesses and block lifetimes); default: $MPSTRACE_TORCH, else api')
    .option('--no-summary', 'do not print the trace summary after the run')
    .action(async (command: string[], o: { out: string; backend: string; summary: boolean; torch?: string }) => {
      if (o.torch !== undefined && !(TORCH_LEVELS as readonly string[]).includes(o.torch)) {
        throw new UserError(`--torch must be one of ${TORCH_LEVELS.join(', ')}, not '${o.torch}'`);
      }
      const backend = resolveBackend(o.backend);
      const library = findLibrary(backend);
      const out = path.resolve(o.out);
      rmSync(out, { force: true }); // a stale file must not pass for this run's trace
      // macOS: say before the run when dyld will not inject the recorder (SIP, hardened runtime)
      let target: TargetCheck | undefined;
      if (process.platform === 'darwin' && backend === 'metal') {
        target = checkTarget(command);
        for (const p of target.problems) process.stderr.write(`mpstrace: warning: ${p}\n`);
      }
      const started = Date.now();
      const r = await launch({ backend, library, out, command, torch: o.torch as TorchLevel | undefined });
      const err = (s: string) => process.stderr.write(`mpstrace: ${s}\n`);
      if (r.signal) err(`${command[0]} was killed by ${r.signal}`);
      if ((!existsSync(out) || statSync(out).size === 0) && target) {
        err(noTraceMessage(out, command, target));
      } else if (!existsSync(out) || statSync(out).size === 0) {
        err(`no trace was written to ${out}: the recorder did not load into ${command[0]} ` +
          '(statically linked or setuid programs ignore LD_PRELOAD; a wrapper script that clears the environment drops it)');
      } else {
        err(`trace written to ${out}`);
        const others = relatedTraces(out, started);
        if (others.length) err(`${others.length} more from forked/exec'ed processes: ${others.map((p) => path.basename(p)).join(', ')}`);
        if (o.summary) {
          const t = await openTrace(out);
          try {
            process.stderr.write(renderSummary(await summarize(t)));
          } finally {
            t.close();
          }
        }
      }
      process.exitCode = r.exitCode;
    });
}
