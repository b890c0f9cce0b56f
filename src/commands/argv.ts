/**
 * Argument fixes applied before commander parses: they keep options whose
 * value is optional from swallowing the operand that follows them.
 */

/** Commands with `--cache [file]`. */
const CACHE_COMMANDS = new Set(['analyze', 'info', 'sql', 'report']);

/**
 * `analyze --cache T` must not take the trace T as the cache's name: a bare
 * `--cache` takes the next word as its file only when that word ends in
 * `.duckdb`; otherwise it becomes `--cache=` (the default `<trace>.duckdb`).
 * Words after `--` are never touched (they belong to a recorded program).
 */
export function normalizeArgv(argv: string[]): string[] {
  const out = [...argv];
  const sub = out.findIndex((a, i) => i >= 2 && !a.startsWith('-'));
  if (sub < 0 || !CACHE_COMMANDS.has(out[sub]!)) return out;
  for (let i = sub + 1; i < out.length; i++) {
    if (out[i] === '--') break;
    if (out[i] === '--cache') {
      const next = out[i + 1];
      if (next === undefined || next.startsWith('-') || /\.duckdb$/i.test(next)) continue;
      out[i] = '--cache=';
    }
  }
  return out;
}

/** The cache option as openTrace takes it: `--cache` and `--cache=` mean `<trace>.duckdb`. */
export function cacheOption(v: string | boolean | undefined): string | boolean {
  if (v === undefined || v === false) return false;
  if (v === true || v === '') return true;
  return v;
}
