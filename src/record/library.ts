/**
 * Finds (or builds) the recorder library for a backend: the CUDA recorder is
 * an LD_PRELOAD .so on Linux, the Metal one a DYLD_INSERT_LIBRARIES .dylib.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../util/errors.js';

export type Backend = 'cuda' | 'metal';

/** The repository (package) root: src/record -> ../.. (also from dist/record). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function resolveBackend(requested: string, platform: NodeJS.Platform = process.platform): Backend {
  if (requested === 'auto') return platform === 'darwin' ? 'metal' : 'cuda';
  if (requested === 'cuda' || requested === 'metal') return requested;
  throw new UserError(`--backend must be auto, cuda or metal, not '${requested}'`);
}

export function libraryPath(backend: Backend): string {
  const name = backend === 'cuda' ? 'libmpstrace_cuda.so' : 'libmpstrace_metal.dylib';
  return path.join(packageRoot, 'instrumentation', 'build', name);
}

/**
 * The library to inject: $MPSTRACE_LIB if set, else the built one, building
 * it with make when it is missing and a C compiler exists.
 */
export function findLibrary(backend: Backend): string {
  const override = process.env.MPSTRACE_LIB;
  if (override) {
    if (!existsSync(override))
      throw new UserError(`MPSTRACE_LIB=${override} does not exist; unset it or point it at a built recorder library`);
    return override;
  }
  const lib = libraryPath(backend);
  if (existsSync(lib)) return lib;
  const hasCc = spawnSync('sh', ['-c', 'command -v cc && command -v make'], { stdio: 'ignore' }).status === 0;
  if (hasCc) {
    process.stderr.write(`mpstrace: building the ${backend} recorder (make -C instrumentation)...\n`);
    const m = spawnSync('make', ['-s', '-C', path.join(packageRoot, 'instrumentation')], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (m.status === 0 && existsSync(lib)) return lib;
  }
  throw new UserError(
    `the ${backend} recorder library is missing (${lib}). ` +
      (hasCc ? 'Building it failed (see above); fix the error and retry.' : 'Install a C compiler and make, then run `npm run build`.'),
  );
}

/** What `mpstrace --version` says about the recorders: which are built here, and where each has run. */
export function recordersStatus(): string {
  const built = (b: Backend) => (existsSync(libraryPath(b)) ? 'built' : 'not built');
  return [
    `cuda recorder (LD_PRELOAD): ${built('cuda')}; recorded real PyTorch runs on an NVIDIA H200`,
    `metal recorder (DYLD_INSERT_LIBRARIES): ${built('metal')}; hook logic tested on Linux only, never run on Apple hardware`,
  ].join('\n');
}
