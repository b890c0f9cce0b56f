// What every Node bench starts with: paths, `--name value` options, a stderr
// logger, and (given a dist/ file it needs) a clear exit when the build is missing.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

export function benchSetup(name, { needs } = {}) {
  const root = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
  const dist = (p) => pathToFileURL(path.join(root, 'dist', p)).href;
  const args = process.argv.slice(2);
  const opt = (key, dflt) => {
    const i = args.indexOf(`--${key}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const log = (s) => process.stderr.write(`bench ${name}: ${s}\n`);
  if (needs && !existsSync(path.join(root, 'dist', needs))) {
    log('dist/ is missing; run `npm run build` first');
    process.exit(2);
  }
  return { root, dist, args, opt, log };
}

/** The system's headless Chromium for the browser benches (CI installs chromium-headless-shell). */
export function findChromium() {
  return ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((p) => existsSync(p));
}
