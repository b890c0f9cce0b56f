// Builds the page's one inline script from the ES modules in viz/: dependencies first,
// `import` lines dropped and `export` keywords removed, all wrapped in one function
// scope. The modules stay importable as-is by Node (tests) and the page needs no loader.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** viz/ next to src/ and dist/ (this file is src/report/ or dist/report/). */
export const VIZ_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'viz');

const IMPORT_RE = /^import\s+\{[^}]*\}\s+from\s+'\.\/([\w-]+\.js)';\s*$/;

/** Concatenates `entry` and its relative imports (depth first) into one script that ends by calling `call`. */
export function bundleViz(entry = 'app.js', call = 'main();', dir = VIZ_DIR): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  const visit = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    if (chain.includes(file)) throw new Error(`viz: import cycle ${[...chain, file].join(' -> ')}`);
    const text = readFileSync(path.join(dir, file), 'utf8');
    const body: string[] = [];
    for (const line of text.split('\n')) {
      const m = IMPORT_RE.exec(line);
      if (m) visit(m[1], [...chain, file]);
      else if (/^import\s/.test(line)) throw new Error(`viz/${file}: only "import { a } from './b.js';" lines are supported: ${line}`);
      else body.push(line.replace(/^export\s+(?=(async\s+)?(function|const|let|class)\b)/, ''));
    }
    seen.add(file);
    parts.push(`// ---- viz/${file}\n${body.join('\n')}`);
  };
  visit(entry, []);
  return `(function () {\n'use strict';\n${parts.join('\n')}\n${call}\n})();\n`;
}
