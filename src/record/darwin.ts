/**
 * macOS: can DYLD_INSERT_LIBRARIES reach the program `record` starts? dyld
 * drops DYLD_* for SIP-protected binaries (and everything a protected launcher
 * such as /usr/bin/env starts) and refuses injected libraries into a
 * hardened-runtime binary unless it carries both
 * com.apple.security.cs.allow-dyld-environment-variables and
 * com.apple.security.cs.disable-library-validation (docs/readme/50-metal.md).
 * Pure functions plus one `codesign` call, so the logic is tested on Linux
 * with recorded outputs. UNTESTED ON APPLE HARDWARE.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** Where macOS keeps SIP-protected executables. */
const PROTECTED = ['/usr/bin/', '/bin/', '/sbin/', '/usr/sbin/', '/usr/libexec/', '/System/'];

export function isSipProtected(file: string): boolean {
  return PROTECTED.some((p) => file.startsWith(p));
}

/** `cmd` as the kernel would run it: found on PATH, symlinks (a venv's python) resolved. */
export function resolveExecutable(cmd: string, envPath = process.env.PATH ?? ''): string | null {
  const candidates = cmd.includes('/')
    ? [path.resolve(cmd)]
    : envPath
        .split(':')
        .filter(Boolean)
        .map((d) => path.join(d, cmd));
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) return realpathSync(c);
    } catch {
      /* not there */
    }
  }
  return null;
}

/** The `#!` line of a script, or null for a binary. */
export function shebang(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n).toString('latin1');
    return head.startsWith('#!') ? head.slice(2).split('\n')[0]!.trim() : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** python.org's framework builds start bin/python3.x, a stub that execs Resources/Python.app/Contents/MacOS/Python. */
export function frameworkApp(file: string): string | null {
  const m = /^(.*\/Python\.framework\/Versions\/[^/]+)\/bin\/python[0-9.]*$/.exec(file);
  if (!m) return null;
  const app = `${m[1]}/Resources/Python.app/Contents/MacOS/Python`;
  return existsSync(app) ? app : null;
}

export interface Signature {
  hardened: boolean;
  allowDyldEnv: boolean;
  disableLibraryValidation: boolean;
}

/** Reads `codesign -dv --entitlements - <file>` output (stderr and stdout together). */
export function parseCodesign(out: string): Signature {
  const flags = /flags=0x[0-9a-f]+\(([^)]*)\)/.exec(out)?.[1] ?? '';
  // Both output styles (XML plist, "[Key] ... [Bool] true"): the key, then
  // "true" before the next key.
  const ent = (key: string) => {
    const name = `com.apple.security.cs.${key}`;
    const i = out.indexOf(name);
    if (i < 0) return false;
    const tail = out.slice(i + name.length, i + name.length + 160);
    const next = tail.indexOf('com.apple.');
    return /true/.test(next >= 0 ? tail.slice(0, next) : tail);
  };
  return {
    hardened: flags.split(',').includes('runtime'),
    allowDyldEnv: ent('allow-dyld-environment-variables'),
    disableLibraryValidation: ent('disable-library-validation'),
  };
}

export function injectable(s: Signature): boolean {
  return !s.hardened || (s.allowDyldEnv && s.disableLibraryValidation);
}

export interface TargetCheck {
  /** The binary dyld will load the recorder into (or the script's interpreter). */
  binary: string | null;
  /** Lines for the user; empty when nothing speaks against injection. */
  problems: string[];
  /** What codesign said, quoted in the problems. */
  codesign?: string;
}

type Run = (cmd: string, args: string[]) => { status: number | null; out: string };
const runTool: Run = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
};

/** Why DYLD_INSERT_LIBRARIES may not reach `command[0]` on macOS. */
export function checkTarget(command: string[], run: Run = runTool, envPath?: string): TargetCheck {
  const first = command[0] ?? '';
  let binary = resolveExecutable(first, envPath);
  if (!binary) return { binary: null, problems: [`${first} was not found on PATH`] };
  const problems: string[] = [];
  const bang = shebang(binary);
  if (bang) {
    const interp = bang.split(/\s+/)[0]!;
    if (isSipProtected(interp)) {
      problems.push(
        `${first} is a script run by ${bang}: SIP strips DYLD_* from ${interp} and everything it starts; run the interpreter itself (e.g. mpstrace record -- "$(command -v python3)" ${first})`,
      );
      return { binary: interp, problems };
    }
    binary = resolveExecutable(interp, envPath) ?? interp;
  }
  const app = frameworkApp(binary);
  if (app) binary = app;
  if (isSipProtected(binary)) {
    problems.push(
      `${binary} is SIP-protected: dyld ignores DYLD_INSERT_LIBRARIES for it. Use a Homebrew, conda, pyenv or uv interpreter (run its binary, not a shim)`,
    );
    return { binary, problems };
  }
  const cs = run('codesign', ['-dv', '--entitlements', '-', binary]);
  if (cs.status === 0) {
    const sig = parseCodesign(cs.out);
    if (!injectable(sig)) {
      problems.push(
        `${binary} uses the hardened runtime without both com.apple.security.cs.allow-dyld-environment-variables and disable-library-validation: dyld will not load the recorder into it`,
      );
      return { binary, problems, codesign: cs.out.trim() };
    }
    return { binary, problems, codesign: cs.out.trim() };
  }
  return { binary, problems };
}

/** The explanation `record` prints on macOS when no trace appeared. */
export function noTraceMessage(out: string, command: string[], check: TargetCheck): string {
  const lines = [`no trace was written to ${out}.`];
  if (check.problems.length) {
    lines.push(...check.problems);
    if (check.codesign) lines.push(`codesign -dv --entitlements - ${check.binary}:`, ...check.codesign.split('\n').map((l) => `  ${l}`));
  } else {
    lines.push(
      `${check.binary ?? command[0]} looks injectable (not SIP-protected${check.codesign ? ', signature allows it' : ''}); then either the program never created a Metal device ` +
        '(the recorder opens the trace at the first MTLCreateSystemDefaultDevice/MTLCopyAllDevices or annotation), or a launcher in between cleared DYLD_*. ' +
        'Check with DYLD_PRINT_LIBRARIES=1 that libmpstrace_metal.dylib loads.',
    );
  }
  return lines.join('\n');
}
