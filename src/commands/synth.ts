/** `mpstrace synth -o <file> --events N`: deterministic synthetic traces for scale tests and fuzzing. */
import { rmSync, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { synthesize, SYNTH_BYTES_PER_EVENT, SYNTH_LIMITS } from '../synth/generate.js';
import { UserError } from '../util/errors.js';
import { ensureDir, isStdout } from '../util/output.js';
import { outputOption, resolveOutput } from './outputOption.js';

function count(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) throw new UserError(`--${flag} takes an integer >= ${min}, got '${v}'`);
    if (n > max)
      throw new UserError(
        `--${flag} is at most ${max.toLocaleString('en-US')} (got ${v}); synth writes traces that mpstrace can still load`,
      );
    return n;
  };
}

/** Refuses a trace that would not fit on the disk before writing any of it. */
function checkSpace(file: string, events: number): void {
  const need = events * SYNTH_BYTES_PER_EVENT;
  let free: number;
  try {
    const s = statfsSync(path.dirname(path.resolve(file)));
    free = s.bavail * s.bsize;
  } catch {
    return; // no statfs here: the write itself reports a full disk
  }
  if (need > free) {
    throw new UserError(
      `${file}: ${events.toLocaleString('en-US')} events need about ${(need / 1e9).toFixed(1)} GB, but only ${(free / 1e9).toFixed(1)} GB are free there; give fewer --events or another directory`,
    );
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('synth')
    .description('write a deterministic synthetic trace (flagged synthetic in its header and in `info`)')
    .requiredOption(
      '--events <n>',
      `number of records (at most ${SYNTH_LIMITS.events.toLocaleString('en-US')})`,
      count('events', 1, SYNTH_LIMITS.events),
    )
    .option('--streams <n>', `GPU streams (at most ${SYNTH_LIMITS.streams})`, count('streams', 1, SYNTH_LIMITS.streams), 4)
    .option('--threads <n>', `worker threads (at most ${SYNTH_LIMITS.threads})`, count('threads', 1, SYNTH_LIMITS.threads), 4)
    .option('--seed <n>', 'random seed (same seed, same bytes)', count('seed', 0), 1)
    .option('--backend <name>', 'backend written in the header: synthetic, cuda, metal or none', 'synthetic');
  outputOption(cmd, 'trace file to write (written as it is generated; missing directories are created)', { required: true });
  cmd.action((o: { output?: string; out?: string; events: number; streams: number; threads: number; seed: number; backend: string }) => {
    if (!['synthetic', 'cuda', 'metal', 'none'].includes(o.backend))
      throw new UserError(`--backend must be synthetic, cuda, metal or none, got '${o.backend}'`);
    const output = resolveOutput(o)!;
    if (isStdout(output)) throw new UserError('-o -: a trace is written by offset and cannot go to stdout; give a file name');
    ensureDir(output);
    checkSpace(output, o.events);
    let result: ReturnType<typeof synthesize>;
    try {
      result = synthesize({
        events: o.events,
        streams: o.streams,
        threads: o.threads,
        seed: o.seed,
        backend: o.backend as 'synthetic',
        output,
      });
    } catch (e) {
      // a half-written trace is no trace: do not leave it behind
      rmSync(output, { force: true });
      if (e instanceof RangeError) throw new UserError(e.message);
      throw e;
    }
    const bytes = statSync(output).size;
    process.stderr.write(
      `mpstrace: wrote ${result.events} events (${bytes} bytes, ${(bytes / result.events).toFixed(1)} bytes/event) to ${output}\n`,
    );
  });
}
