/**
 * C++ names in a trace (kernel names, native call-site symbols) are stored as
 * the program had them: mangled (`_Z12scale_kernelPfif`). At load, every
 * Itanium-mangled string is demangled once, so that every output built on
 * the `strings` table (CLI tables, report, metrics and diff keys, SQL views,
 * exports, SARIF) shows `scale_kernel(float*, int, float)`; the original is
 * kept in `strings.mangled`. `--mangled` (CLI) shows the originals instead.
 *
 * The demangler is the system's `c++filt` (GNU binutils on Linux, LLVM's on
 * macOS), run once per load with all names on stdin: a maintained
 * implementation of the full Itanium ABI that the machines recording CUDA
 * traces have anyway. No npm package fits: the one maintained demangler on
 * npm (gecko-profiler-demangle) is a bundler-only WebAssembly module.
 */
import { spawnSync } from 'node:child_process';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { TraceWarning } from '../format/reader.js';

let showMangled = process.env.MPSTRACE_MANGLED === '1';

/** Whether loads show mangled names (the CLI's --mangled). */
export function setShowMangled(v: boolean): void {
  showMangled = v;
}

const MANGLED = /^_Z[A-Za-z0-9_$.]+$/;

/** Demangles names with one c++filt process; null when c++filt is not available. */
export function demangleAll(names: string[], tool = process.env.MPSTRACE_CXXFILT || 'c++filt'): string[] | null {
  if (names.length === 0) return [];
  const r = spawnSync(tool, [], { input: names.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) return null;
  const out = r.stdout.split('\n');
  if (out.length < names.length) return null;
  return names.map((n, i) => out[i] || n);
}

/**
 * Adds strings.mangled and demangles strings.text in place (once per
 * database: a cache keeps both). Then applies the mangled/demangled choice.
 * Returns a warning when mangled names exist but c++filt is missing.
 */
export async function demangleStrings(conn: DuckDBConnection): Promise<TraceWarning | undefined> {
  await conn.run('ALTER TABLE strings ADD COLUMN IF NOT EXISTS mangled VARCHAR');
  const done = (await conn.runAndReadAll('SELECT count(*) AS n FROM strings WHERE mangled IS NOT NULL')).getRowObjects()[0]!;
  let warning: TraceWarning | undefined;
  if (Number(done.n) === 0) {
    const rows = (await conn.runAndReadAll("SELECT id, text FROM strings WHERE text LIKE '\\_Z%' ESCAPE '\\'")).getRowObjects();
    const cand = rows.filter((r) => MANGLED.test(String(r.text)));
    if (cand.length) {
      const names = cand.map((r) => String(r.text));
      const out = demangleAll(names);
      if (!out) {
        warning = {
          code: 'no_demangler',
          message: `${cand.length} C++ names stay mangled: c++filt was not found (install binutils, or set MPSTRACE_CXXFILT to a c++filt/llvm-cxxfilt)`,
        };
      } else {
        const changed = cand.map((r, i) => ({ id: Number(r.id), mangled: names[i]!, text: out[i]! })).filter((x) => x.text !== x.mangled);
        if (changed.length) {
          await conn.run('CREATE TEMP TABLE demangled (id UINTEGER, text VARCHAR, mangled VARCHAR)');
          const app = await conn.createAppender('demangled');
          for (const x of changed) {
            app.appendUInteger(x.id);
            app.appendVarchar(x.text);
            app.appendVarchar(x.mangled);
            app.endRow();
          }
          app.closeSync();
          await conn.run('UPDATE strings SET text = d.text, mangled = d.mangled FROM demangled d WHERE strings.id = d.id');
          await conn.run('DROP TABLE demangled');
        }
      }
    }
  }
  if (showMangled) await conn.run('UPDATE strings SET text = mangled WHERE mangled IS NOT NULL');
  return warning;
}
