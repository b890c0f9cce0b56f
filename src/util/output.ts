/**
 * Where the CLI writes what a user asked for with `-o/--output <file>`: `-` is
 * stdout (so every output can be piped), any other path gets its missing
 * parent directories created. A failure is a UserError that names the path and
 * what to do, never an internal error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from './errors.js';

/** True when `file` means stdout. */
export const isStdout = (file: string | undefined | null): boolean => file === '-';

/** Creates the parent directories of `file` (or `file` itself with `dir: true`); UserError on failure. */
export function ensureDir(file: string, opts: { dir?: boolean } = {}): void {
  const d = opts.dir ? file : path.dirname(path.resolve(file));
  try {
    mkdirSync(d, { recursive: true });
  } catch (e) {
    throw new UserError(
      `${file}: cannot create the directory ${d} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give an output path in a writable directory`,
    );
  }
}

/** Writes `text` to `file`, or to stdout when `file` is `-`. */
export function writeOutput(file: string, text: string | Uint8Array): void {
  if (isStdout(file)) {
    process.stdout.write(text);
    return;
  }
  ensureDir(file);
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new UserError(
      `${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path is a writable file, not a directory`,
    );
  }
}
