// `mpstrace record` on macOS: which binary dyld injects into, and why it may
// refuse (SIP, hardened runtime). The logic runs here on Linux against files
// laid out like macOS installs and recorded `codesign` outputs; nothing here
// ran on a Mac.
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkTarget, frameworkApp, injectable, noTraceMessage, parseCodesign, resolveExecutable } from '../src/record/darwin.js';

// Outputs in the shapes codesign prints (flags line; entitlements as XML or as the newer [Key]/[Value] dump).
const HOMEBREW = `Executable=/opt/homebrew/Cellar/python@3.12/3.12.4/bin/python3.12
Identifier=python3.12
Format=Mach-O thin (arm64)
CodeDirectory v=20400 size=1234 flags=0x20002(adhoc,linker-signed) hashes=30+0 location=embedded
Signature=adhoc`;
const PYTHON_ORG = `Executable=/Library/Frameworks/Python.framework/Versions/3.12/Resources/Python.app/Contents/MacOS/Python
CodeDirectory v=20500 size=1500 flags=0x10000(runtime) hashes=36+7 location=embedded
[Dict]
	[Key] com.apple.security.cs.disable-library-validation
	[Value]
		[Bool] true`;
const HARDENED_OK = `CodeDirectory v=20500 size=1500 flags=0x10000(runtime) hashes=36+7 location=embedded
<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>
<key>com.apple.security.cs.allow-dyld-environment-variables</key>
<true/>
<key>com.apple.security.cs.disable-library-validation</key>
<true/>
</dict></plist>`;

describe('codesign output', () => {
  it('reads the hardened-runtime flag and the two entitlements in both output styles', () => {
    expect(parseCodesign(HOMEBREW)).toEqual({ hardened: false, allowDyldEnv: false, disableLibraryValidation: false });
    expect(parseCodesign(PYTHON_ORG)).toEqual({ hardened: true, allowDyldEnv: false, disableLibraryValidation: true });
    expect(parseCodesign(HARDENED_OK)).toEqual({ hardened: true, allowDyldEnv: true, disableLibraryValidation: true });
    expect(injectable(parseCodesign(HOMEBREW))).toBe(true);
    expect(injectable(parseCodesign(PYTHON_ORG))).toBe(false);
    expect(injectable(parseCodesign(HARDENED_OK))).toBe(true);
  });
});

describe('the binary dyld injects into', () => {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'mpst-darwin-')));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const exe = (p: string, text = '\x7fELF binary') => {
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
    chmodSync(p, 0o755);
    return p;
  };
  const codesign = (out: string) => (cmd: string) => ({ status: cmd === 'codesign' ? 0 : 1, out });

  it('resolves a venv symlink to the real interpreter and checks that one', () => {
    const real = exe(path.join(dir, 'cellar', 'python3.12'));
    mkdirSync(path.join(dir, 'venv', 'bin'), { recursive: true });
    symlinkSync(real, path.join(dir, 'venv', 'bin', 'python'));
    expect(resolveExecutable('python', path.join(dir, 'venv', 'bin'))).toBe(real);
    const ok = checkTarget(['python', 'train.py'], codesign(HOMEBREW), path.join(dir, 'venv', 'bin'));
    expect(ok).toMatchObject({ binary: real, problems: [] });
  });

  it("follows python.org's framework stub to Python.app and reports its hardened runtime with codesign's words", () => {
    const versions = path.join(dir, 'Library', 'Frameworks', 'Python.framework', 'Versions', '3.12');
    const stub = exe(path.join(versions, 'bin', 'python3.12'));
    const app = exe(path.join(versions, 'Resources', 'Python.app', 'Contents', 'MacOS', 'Python'));
    expect(frameworkApp(stub)).toBe(app);
    const bad = checkTarget([stub], codesign(PYTHON_ORG));
    expect(bad.binary).toBe(app);
    expect(bad.problems.join('\n')).toMatch(
      /hardened runtime without both .*allow-dyld-environment-variables and disable-library-validation/,
    );
    const msg = noTraceMessage('/tmp/x.mpst', [stub], bad);
    expect(msg).toMatch(/no trace was written to \/tmp\/x\.mpst/);
    expect(msg).toMatch(/codesign -dv --entitlements - .*Python:\n {2}Executable=/);
    expect(msg).toMatch(/flags=0x10000\(runtime\)/);
  });

  it('names SIP when a script starts through /usr/bin/env, or the binary is protected', () => {
    const script = exe(path.join(dir, 'run.py'), '#!/usr/bin/env python3\nprint(1)\n');
    const viaEnv = checkTarget([script], codesign(HOMEBREW));
    expect(viaEnv.problems.join('\n')).toMatch(/SIP strips DYLD_\* from \/usr\/bin\/env/);
    const sys = checkTarget(['/usr/bin/python3'], codesign(HOMEBREW));
    expect(sys.problems.join('\n')).toMatch(/SIP-protected/);
  });

  it('a script whose interpreter is an unprotected binary is checked through that interpreter', () => {
    const interp = exe(path.join(dir, 'opt', 'python3'));
    const script = exe(path.join(dir, 'job.py'), `#!${interp} -u\nprint(1)\n`);
    expect(checkTarget([script], codesign(HOMEBREW))).toMatchObject({ binary: interp, problems: [] });
  });

  it('without a reason to refuse, the message points at Metal never being touched or a launcher clearing DYLD_*', () => {
    const bin = exe(path.join(dir, 'bin2', 'tool'));
    const c = checkTarget([bin], codesign(HOMEBREW));
    const msg = noTraceMessage('/tmp/y.mpst', [bin], c);
    expect(msg).toMatch(/never created a Metal device/);
    expect(msg).not.toMatch(/LD_PRELOAD/);
  });

  it('an unknown command says so', () => {
    expect(checkTarget(['no-such-program-xyz'], codesign(HOMEBREW), dir).problems).toEqual(['no-such-program-xyz was not found on PATH']);
  });
});
