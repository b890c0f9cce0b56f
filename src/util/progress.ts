/**
 * One status line on stderr while a long stage runs (loading a trace, running
 * the detectors), rewritten in place and cleared when the stage ends. On when
 * stderr is a terminal; MPSTRACE_PROGRESS=1 turns it on elsewhere (a CI log),
 * MPSTRACE_PROGRESS=0 off everywhere. Callers pass only their own text (rule
 * ids, counts), never trace strings.
 */
export interface Progress {
  /** Shows `text`; a non-forced update within 200 ms of the last one is dropped (hot loops). */
  update(text: string, force?: boolean): void;
  /** Clears the line, if anything was shown. */
  end(): void;
}

export interface ProgressOptions {
  /** Overrides MPSTRACE_PROGRESS and the terminal check. */
  enabled?: boolean;
  out?: { write(s: string): unknown; isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

const THROTTLE_MS = 200;

export function progressEnabled(opts: ProgressOptions = {}): boolean {
  if (opts.enabled !== undefined) return opts.enabled;
  const v = (opts.env ?? process.env).MPSTRACE_PROGRESS;
  if (v === '1') return true;
  if (v === '0') return false;
  return (opts.out ?? process.stderr).isTTY === true;
}

export function progress(opts: ProgressOptions = {}): Progress {
  if (!progressEnabled(opts)) return { update() {}, end() {} };
  const out = opts.out ?? process.stderr;
  const now = opts.now ?? Date.now;
  let last = -Infinity;
  let shown = false;
  return {
    update(text, force = false) {
      const t = now();
      if (!force && t - last < THROTTLE_MS) return;
      last = t;
      shown = true;
      out.write(`\r\x1b[Kmpstrace: ${text}`);
    },
    end() {
      if (shown) out.write('\r\x1b[K');
      shown = false;
    },
  };
}
