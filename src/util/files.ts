/**
 * Checks on input paths made before anything opens them: opening a FIFO
 * without a writer blocks forever, and a device or socket is never a trace.
 */
import { statSync, type Stats } from 'node:fs';
import { UserError } from './errors.js';

/** What a non-regular file is, in words. */
export function fileKind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/**
 * Refuses anything but a regular file or a directory at `p` (stat never
 * blocks, unlike open on a FIFO). Returns the stats, or null when `p` does not
 * exist (the caller's own message says what to give instead). `-` (stdin) is
 * refused: a trace is read by offset, which a pipe cannot do.
 */
export function statInput(p: string): Stats | null {
  if (p === '-') throw new UserError('-: a trace cannot be read from stdin (it is read by offset); save it to a file and give its path');
  let st: Stats;
  try {
    st = statSync(p);
  } catch {
    return null;
  }
  if (!st.isFile() && !st.isDirectory()) {
    throw new UserError(`${p}: is ${fileKind(st)}, not a trace file; copy the trace to a regular file and give its path`);
  }
  return st;
}
