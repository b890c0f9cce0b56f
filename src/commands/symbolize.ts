/** `mpstrace symbolize <trace...> [--search-path DIR...]`: native call sites -> function (file:line), stored in the trace. */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { symbolizeTrace, type SymbolizeResult } from '../symbols/symbolize.js';
import { UserError } from '../util/errors.js';
import { escapeText, safeJson } from '../util/escape.js';

export function summaryLines(r: SymbolizeResult): string[] {
  const out: string[] = [];
  if (r.sites === 0) {
    out.push(`${r.trace}: no native call site left to symbolize${r.already ? ` (${r.already} already are)` : ''}`);
    return out;
  }
  out.push(`${r.trace}: ${r.resolved} of ${r.sites} native call sites symbolized${r.tool ? ` with ${r.tool}` : ''}`);
  for (const m of r.modules) {
    const what = m.file ? `${m.resolved}/${m.sites} from ${m.file}` : `0/${m.sites}`;
    out.push(`  ${m.module}: ${what}${m.why ? ` (${m.why})` : ''}`);
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('symbolize')
    .description(
      'name native call sites as function (file:line) from ELF symbols and DWARF line tables (binaries matched by build id); stored in the trace',
    )
    .argument('<trace...>', '.mpst trace file(s), changed in place')
    .option(
      '-s, --search-path <dir...>',
      'directories (searched two levels deep) or files where the binaries are, when not at their recorded paths',
    )
    .option('--tool <name>', 'symbolizer: auto (llvm-symbolizer, else addr2line), or a path', 'auto')
    .option('--json', 'machine-readable result on stdout')
    .action((traces: string[], o: { searchPath?: string[]; tool: string; json?: boolean }) => {
      const results: SymbolizeResult[] = [];
      for (const t of traces) {
        if (!existsSync(t)) throw new UserError(`${t}: no such file; give a .mpst trace`);
        if (!t.endsWith('.mpst'))
          throw new UserError(`${t}: symbolize changes .mpst traces in place; open the .mpst file, not a cache or export`);
        results.push(symbolizeTrace(t, { searchPaths: o.searchPath, tool: o.tool }));
      }
      if (o.json) process.stdout.write(safeJson(results) + '\n');
      // module paths come from the trace: one line each, inert
      else process.stdout.write(results.flatMap(summaryLines).map(escapeText).join('\n') + '\n');
      if (results.some((r) => r.sites > 0 && !r.tool)) process.exitCode = 2;
    });
}
