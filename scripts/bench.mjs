// `npm run bench -- <name> [args]` runs bench/<name>.mjs with the remaining
// arguments. Every bench prints its figures as a last line of key=value pairs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const benchDir = path.join(root, 'bench');
const available = existsSync(benchDir)
  ? readdirSync(benchDir)
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => f.slice(0, -4))
      .sort()
  : [];
const [name, ...args] = process.argv.slice(2);
if (!name || !/^[\w-]+$/.test(name) || !available.includes(name)) {
  process.stderr.write(
    `usage: npm run bench -- <name> [args]\n${name ? `no bench named '${name}'. ` : ''}available: ${available.join(', ') || '(none)'}\n`,
  );
  process.exit(2);
}
const r = spawnSync(process.execPath, [path.join(benchDir, `${name}.mjs`), ...args], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
