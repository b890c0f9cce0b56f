/** `mpstrace synth -o <file> --events N`: deterministic synthetic traces for scale tests and fuzzing. */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { synthesize } from '../synth/generate.js';
import { UserError } from '../util/errors.js';

function count(flag: string, min: number) {
  return (v: string): number => {
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) throw new UserError(`--${flag} takes an integer >= ${min}, got '${v}'`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('write a deterministic synthetic trace (flagged synthetic in its header and in `info`)')
    .requiredOption('-o, --output <file>', 'trace file to write')
    .requiredOption('--events <n>', 'number of records', count('events', 1))
    .option('--streams <n>', 'GPU streams', count('streams', 1), 4)
    .option('--threads <n>', 'worker threads', count('threads', 1), 4)
    .option('--seed <n>', 'random seed (same seed, same bytes)', count('seed', 0), 1)
    .option('--backend <name>', 'backend written in the header: synthetic, cuda, metal or none', 'synthetic')
    .action((o: { output: string; events: number; streams: number; threads: number; seed: number; backend: string }) => {
      if (!['synthetic', 'cuda', 'metal', 'none'].includes(o.backend)) throw new UserError(`--backend must be synthetic, cuda, metal or none, got '${o.backend}'`);
      let result: ReturnType<typeof synthesize>;
      try {
        result = synthesize({ events: o.events, streams: o.streams, threads: o.threads, seed: o.seed, backend: o.backend as 'synthetic' });
      } catch (e) {
        if (e instanceof RangeError) throw new UserError(e.message);
        throw e;
      }
      try {
        result.writer.writeFile(o.output);
      } catch (e) {
        throw new UserError(`${o.output}: cannot write (${(e as Error).message}); check the directory exists and is writable`);
      }
      const bytes = statSync(o.output).size;
      process.stderr.write(`mpstrace: wrote ${result.events} events (${bytes} bytes, ${(bytes / result.events).toFixed(1)} bytes/event) to ${o.output}\n`);
    });
}
