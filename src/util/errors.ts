/** Exit codes are part of the CLI's interface (README, "Exit codes"); no other code is ever returned. */
export const EXIT_OK = 0;
/** A check failed: findings at or above --fail-on, or a metric regressed. */
export const EXIT_CHECK_FAILED = 1;
/** Bad input, usage, or a file the command cannot read or write: the user must change something before retrying. */
export const EXIT_BAD_INPUT = 2;
/** mpstrace failed in a way it did not expect (a bug): one line on stderr, the stack with --debug. */
export const EXIT_INTERNAL = 3;

/**
 * An error the user can act on. `message` says what is wrong, where
 * (file, byte offset) and what to do next; the CLI prints it without a stack.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_BAD_INPUT,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** What to do after a system error, by errno code. */
const ERRNO_ADVICE: Record<string, string> = {
  ENOENT: 'no such file or directory; check the path',
  ENOTDIR: 'a part of the path is not a directory; check the path',
  EISDIR: 'is a directory; give a file path',
  EACCES: 'permission denied; choose a path you can read/write or fix its permissions',
  EPERM: 'operation not permitted; choose a path you can read/write or fix its permissions',
  EROFS: 'the file system is read-only; write somewhere else',
  ENOSPC: 'no space left on the device; free space or write somewhere else',
  EDQUOT: 'disk quota exceeded; free space or write somewhere else',
  EFBIG: 'the file grew too large for this file system; write somewhere else',
  EIO: 'input/output error from the device; check the disk, then retry',
  EMFILE: 'too many open files; raise `ulimit -n` or close other programs',
  ENFILE: 'too many open files on the system; retry later',
  EEXIST: 'already exists; remove it or choose another path',
  EBUSY: 'the file is busy; retry when the other program is done with it',
  EAGAIN: 'the file is locked or busy; retry when the other program is done with it',
  ENXIO: 'no such device or reader; give a regular file',
};

/** True for an error from a system call (it has an errno `code` such as ENOENT). */
export function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return (
    e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z0-9]+$/.test((e as NodeJS.ErrnoException).code!)
  );
}

/** DuckDB's words for running out of its memory limit. */
export const OUT_OF_MEMORY = /out of memory|could not allocate|failed to pin block|failed to allocate/i;

/**
 * The one-line message and exit code for any error that reaches the CLI: a
 * UserError as it is, a system error (ENOSPC, EACCES, ...) or a DuckDB I/O
 * error as bad input (exit 2) naming the file and what to do, anything else as
 * an unexpected failure (exit 3) that asks for --debug and a report.
 */
export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof UserError) return { message: err.message, exitCode: err.exitCode };
  if (isErrno(err)) {
    const where = err.path ?? (err as { dest?: string }).dest ?? '';
    const advice = ERRNO_ADVICE[err.code!] ?? `${err.code} from ${err.syscall ?? 'a system call'}; check the file and retry`;
    return { message: `${where ? `${where}: ` : ''}cannot ${err.syscall ?? 'access'} (${err.code}): ${advice}`, exitCode: EXIT_BAD_INPUT };
  }
  const first = firstLine(err);
  // DuckDB reports file trouble (a damaged, locked or unwritable database) as "IO Error: ...".
  // The text may come wrapped ("detector 'x' failed: IO Error: Corrupt database file: ..."), so it is searched, not anchored.
  if (/\b(IO|Serialization|Corruption) Error:|Corrupt database file|Could not set lock on file|not a valid DuckDB database/i.test(first)) {
    return {
      message: `${first}; a .duckdb file (a --cache or a saved trace) is damaged or busy: delete the cache and run again (it is rebuilt from the .mpst trace)`,
      exitCode: EXIT_BAD_INPUT,
    };
  }
  // DuckDB over its memory limit: the trace needs more than MPSTRACE_MEMORY_LIMIT for this command, not a bug.
  if (OUT_OF_MEMORY.test(first)) {
    return {
      message: `${first}; DuckDB ran out of its memory limit on this trace (MPSTRACE_MEMORY_LIMIT, default 1GB): raise it (e.g. MPSTRACE_MEMORY_LIMIT=4GB) and run again`,
      exitCode: EXIT_INTERNAL,
    };
  }
  return {
    message: `unexpected failure: ${first}. This is a bug in mpstrace: run again with --debug for the stack and report it`,
    exitCode: EXIT_INTERNAL,
  };
}

/** The first line of an error's message (DuckDB's messages run over several lines). */
export function firstLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return (m.split('\n')[0] ?? '').trim() || (err instanceof Error ? err.name : 'unknown error');
}
