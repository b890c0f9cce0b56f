import { Command, CommanderError } from 'commander';
import { describeError, EXIT_BAD_INPUT, EXIT_OK } from './util/errors.js';
import { VERSION } from './version.js';
import { commands } from './commands/index.js';
import { normalizeArgv } from './commands/argv.js';
import { recordersStatus } from './record/library.js';
import { setShowMangled } from './ingest/demangle.js';
import { escapeLines } from './util/escape.js';

// --debug is read from argv directly: an error may come before commander has parsed it.
const debug = process.argv.includes('--debug') || process.env.MPSTRACE_DEBUG === '1';

// stdout closed by its reader (`mpstrace sql T '...' | head -1`): what it wanted is out, so end
// quietly. Any other stdout failure (a full disk under `> file`) is one line and exit 2.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
  process.stderr.write(`mpstrace: cannot write to stdout (${err.code ?? err.message}); free space or redirect the output elsewhere\n`);
  process.exit(EXIT_BAD_INPUT);
});
process.stderr.on('error', () => {
  // nowhere left to report to
});

const program = new Command('mpstrace')
  .description('Record, analyze and show GPU stream/event traces (PyTorch MPS and CUDA)')
  .version(`mpstrace ${VERSION}\n${recordersStatus()}`, '-V, --version')
  .option('--mangled', 'show C++ kernel and function names as recorded (mangled) instead of demangled')
  .option('--debug', 'on an error, also print its stack trace (for bug reports)')
  .showHelpAfterError()
  .exitOverride();
program.hook('preAction', () => {
  if (program.opts().mangled) setShowMangled(true);
});

for (const register of commands) register(program);

try {
  await program.parseAsync(normalizeArgv(process.argv));
} catch (err) {
  if (err instanceof CommanderError) {
    // help and --version exit through here with code 0; usage errors become 2.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  } else {
    const { message, exitCode } = describeError(err);
    // A message may quote a trace string (a thread or file name): its line breaks stay, anything a terminal acts on is escaped.
    process.stderr.write(`mpstrace: ${escapeLines(message)}\n`);
    if (debug) process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = exitCode;
  }
}
