import { Command, CommanderError } from 'commander';
import { UserError, EXIT_BAD_INPUT } from './util/errors.js';
import { VERSION } from './version.js';
import { commands } from './commands/index.js';
import { recordersStatus } from './record/library.js';
import { setShowMangled } from './ingest/demangle.js';

const program = new Command('mpstrace')
  .description('Record, analyze and show GPU stream/event traces (PyTorch MPS and CUDA)')
  .version(`mpstrace ${VERSION}\n${recordersStatus()}`, '-V, --version')
  .option('--mangled', 'show C++ kernel and function names as recorded (mangled) instead of demangled')
  .showHelpAfterError()
  .exitOverride();
program.hook('preAction', () => {
  if (program.opts().mangled) setShowMangled(true);
});

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // help and --version exit through here with code 0; usage errors become 2.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  } else if (err instanceof UserError) {
    process.stderr.write(`mpstrace: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`mpstrace: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 70;
  }
}
