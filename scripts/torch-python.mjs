// The Python with a real torch that the tests needing one use (test/torch-native.test.ts,
// test/torch-layer.test.ts), and scripts/test.mjs checks for: MPST_TORCH_PYTHON when set
// (only it), else python3 when it has torch, else Debian's /usr/bin/python3 with
// python3-torch (which .ci/setup-system.sh installs; the default python3 may be another
// one, e.g. pyenv's). "Has torch" means torch is importable and its C++ headers are
// beside it (the C++ op observer is built against them); nothing is imported (a torch
// import takes seconds), so a broken torch fails its tests instead of skipping them.
import { spawnSync } from 'node:child_process';

/** The Debian packages that give /usr/bin/python3 a CPU torch with its C++ headers, and a C++ compiler. */
export const TORCH_PACKAGES = ['python3-torch', 'libtorch-dev', 'g++'];
export const TORCH_INSTALL = `sudo apt-get install -y --no-install-recommends ${TORCH_PACKAGES.join(' ')}`;

const PROBE = [
  'import importlib.util, os, sys',
  's = importlib.util.find_spec("torch")',
  'ok = s is not None and s.origin is not None and os.path.exists(os.path.join(os.path.dirname(s.origin), "include", "ATen", "record_function.h"))',
  'sys.exit(0 if ok else 1)',
].join('\n');

function hasTorch(python) {
  return spawnSync(python, ['-c', PROBE], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/** The interpreter to run real-torch tests with, or null (with `tried`: what was looked at). */
export function torchPython() {
  const env = process.env.MPST_TORCH_PYTHON;
  const candidates = env ? [env] : ['python3', '/usr/bin/python3'];
  return { python: candidates.find(hasTorch) ?? null, tried: env ? `MPST_TORCH_PYTHON=${env}` : candidates.join(', ') };
}
