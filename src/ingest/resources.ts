/**
 * How much memory DuckDB may hold and where it spills, set on every database
 * mpstrace opens. Without a limit DuckDB takes up to 80 % of the machine's RAM
 * and a 30 M-event trace ran to 4-6 GB; with one, joins, sorts and windows over a
 * large trace spill to a private temporary directory, so peak memory is bounded by
 * the limit, not by the trace size. That directory is removed when the trace closes.
 *
 * MPSTRACE_MEMORY_LIMIT  DuckDB's memory_limit ('1GB' by default; e.g. '512MB', '4GB')
 * MPSTRACE_TMPDIR        where the spill directory is made (default: the OS temp dir)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../util/errors.js';

export const DEFAULT_MEMORY_LIMIT = '1GB';

export interface DuckDbResources {
  /** Settings for DuckDBInstance.create. */
  settings: Record<string, string>;
  /** The spill directory (removed by release()). */
  spillDir: string;
  release(): void;
}

/** The memory limit from MPSTRACE_MEMORY_LIMIT, checked so a typo is a clear error, not a DuckDB one. */
export function memoryLimit(env: NodeJS.ProcessEnv = process.env): string {
  const v = (env.MPSTRACE_MEMORY_LIMIT ?? '').trim();
  if (v === '') return DEFAULT_MEMORY_LIMIT;
  if (!/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(v)) {
    throw new UserError(`MPSTRACE_MEMORY_LIMIT='${v}' is not a size; give a number with a unit, e.g. 512MB or 2GB`);
  }
  return v;
}

/** A DuckDB size ('1GB', '512 MiB') in bytes; DuckDB reads KB/MB/GB as powers of 1000 and KiB/MiB/GiB as powers of 1024. */
export function memoryLimitBytes(limit: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?i?B)$/i.exec(limit.trim());
  if (!m) return 1e9;
  const unit = m[2]!.toUpperCase();
  const pow = 'BKMGT'.indexOf(unit[0]!);
  const base = unit.includes('I') ? 1024 : 1000;
  return Number(m[1]) * base ** Math.max(0, pow);
}

/** Where mpstrace's temporary directories are made: MPSTRACE_TMPDIR, else the OS temp directory. */
export function tempRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.MPSTRACE_TMPDIR?.trim() || tmpdir();
}

/** A fresh spill directory and the DuckDB settings that use it. */
export function duckDbResources(base: Record<string, string>, env: NodeJS.ProcessEnv = process.env): DuckDbResources {
  const limit = memoryLimit(env);
  const root = tempRoot(env);
  let spillDir: string;
  try {
    spillDir = mkdtempSync(path.join(root, 'mpstrace-spill-'));
  } catch (e) {
    throw new UserError(`cannot make a spill directory in ${root} (${(e as Error).message}); set MPSTRACE_TMPDIR to a writable directory`);
  }
  let released = false;
  return {
    settings: { ...base, memory_limit: limit, temp_directory: spillDir },
    spillDir,
    release() {
      if (released) return;
      released = true;
      rmSync(spillDir, { recursive: true, force: true });
    },
  };
}
