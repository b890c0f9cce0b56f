// The Metal recorder compiled for macOS without a Mac: every Metal and runtime
// source is built with clang for arm64-apple-macos11 and x86_64-apple-macos11
// against the project's minimal SDK declarations
// (instrumentation/metal/darwin-sdk/include), -Wall -Wextra -Werror, and linked
// into a dylib with lld (-undefined dynamic_lookup). Then the dylib itself is
// checked: Mach-O for the right CPU and platform, only the intended exports,
// and an __interpose section whose three tuples pair our replacements with
// MTLCreateSystemDefaultDevice, MTLCopyAllDevices and dispatch_queue_create.
// This proves the sources are valid for Darwin targets and that dyld would find
// the interposers; it does not run anything on Apple hardware.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const metalDir = path.join(root, 'instrumentation', 'metal');
const outDir = path.join(root, 'instrumentation', 'build', 'darwin-check');
const INSTALL = 'apt-get install -y clang lld llvm   (or run .ci/setup-system.sh)';

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}
const missing = ['clang', 'llvm-nm', 'llvm-objdump'].filter((c) => !have(c));
if (!have('ld64.lld') && !have('ld64.lld-14')) missing.push('ld64.lld');

function tool(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
}

describe('Metal recorder: Darwin compile and link (clang + lld, no Apple SDK)', () => {
  let makeOut = '';
  beforeAll(() => {
    // Not a skip: without the toolchain this suite cannot say the dylib builds.
    if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: install them with\n  ${INSTALL}`);
    const r = spawnSync('make', ['-s', '-C', metalDir, 'darwin-check'], { encoding: 'utf8', timeout: 240_000 });
    makeOut = `${r.stdout}\n${r.stderr}`;
    if (r.status !== 0) throw new Error(`make darwin-check failed:\n${makeOut}`);
  }, 300_000);

  it('refuses to compile under ARC', () => {
    expect(makeOut).toMatch(/darwin-check: ARC refused/);
  });

  for (const [arch, cpu] of [
    ['arm64', 'ARM64'],
    ['x86_64', 'X86_64'],
  ] as const) {
    describe(arch, () => {
      const dylib = path.join(outDir, arch, 'libmpstrace_metal.dylib');

      it('is a macOS dylib for the right CPU', () => {
        const hdr = tool('llvm-objdump', ['--macho', '--private-headers', dylib]);
        expect(hdr).toMatch(new RegExp(`MH_MAGIC_64\\s+${cpu}\\s`));
        expect(hdr).toMatch(/filetype\s+\S*\s*DYLIB|\sDYLIB\s/);
        expect(hdr).toMatch(/platform macos/);
        expect(hdr).toMatch(/@rpath\/libmpstrace_metal\.dylib/);
      });

      it('exports the annotation API and the Metal entry points, nothing internal', () => {
        const syms = tool('llvm-nm', ['-gU', dylib])
          .split('\n')
          .map((l) => l.trim().split(/\s+/).pop()!)
          .filter(Boolean);
        expect(syms.every((s) => s.startsWith('_mpstrace_'))).toBe(true);
        for (const s of [
          '_mpstrace_metal_stream_handle',
          '_mpstrace_metal_observe_begin',
          '_mpstrace_metal_observe_end',
          '_mpstrace_impl_enabled',
          '_mpstrace_impl_range_push',
          '_mpstrace_impl_slot_acquire',
        ]) {
          expect(syms).toContain(s);
        }
      });

      it('interposes MTLCreateSystemDefaultDevice, MTLCopyAllDevices and dispatch_queue_create with our replacements', () => {
        const sections = tool('llvm-objdump', ['--section-headers', dylib]);
        const sec = /__interpose\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(sections);
        expect(sec, sections).not.toBeNull();
        expect(parseInt(sec![1]!, 16)).toBe(3 * 16); // three (replacement, replacee) pointer pairs
        const base = parseInt(sec![2]!, 16);
        // replacees: bound by name at load (flat namespace: -undefined dynamic_lookup)
        const binds = tool('llvm-objdump', ['--macho', '--bind', dylib])
          .split('\n')
          .filter((l) => l.includes('__interpose'))
          .map((l) => {
            const f = l.trim().split(/\s+/);
            return { at: parseInt(f[2]!, 16) - base, sym: f[f.length - 1]! };
          })
          .sort((a, b) => a.at - b.at);
        expect(binds).toEqual([
          { at: 8, sym: '_MTLCreateSystemDefaultDevice' },
          { at: 24, sym: '_MTLCopyAllDevices' },
          { at: 40, sym: '_dispatch_queue_create' },
        ]);
        // replacements: the first pointer of each pair, rebased, naming our functions
        const dump = tool('llvm-objdump', ['-s', '--section=__interpose', dylib]);
        const bytes = Buffer.from(
          dump
            .split('\n')
            .filter((l) => /^\s*[0-9a-f]+ [0-9a-f]{8}/.test(l))
            .map((l) => l.trim().split(/\s+/).slice(1, 5).join(''))
            .join(''),
          'hex',
        );
        expect(bytes.length).toBe(48);
        const local = new Map<number, string>();
        for (const l of tool('llvm-nm', [dylib]).split('\n')) {
          const f = l.trim().split(/\s+/);
          if (f.length === 3) local.set(parseInt(f[0]!, 16), f[2]!);
        }
        const repl = [0, 16, 32].map((o) => local.get(Number(bytes.readBigUInt64LE(o))));
        expect(repl).toEqual(['_mpstm_MTLCreateSystemDefaultDevice', '_mpstm_MTLCopyAllDevices', '_mpstm_dispatch_queue_create']);
        const rebases = tool('llvm-objdump', ['--macho', '--rebase', dylib])
          .split('\n')
          .filter((l) => l.includes('__interpose'));
        expect(rebases.length).toBe(3);
      });

      it('runs a constructor that names the backend before any annotation', () => {
        const hdr = tool('llvm-objdump', ['--section-headers', dylib]);
        expect(hdr).toMatch(/__mod_init_func|__init_offsets/);
        const syms = tool('llvm-nm', [dylib]);
        expect(syms).toMatch(/ t _mpstm_loaded\b/);
      });
    });
  }
});
