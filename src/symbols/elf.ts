/**
 * The two facts about an ELF file the symbolizer needs, read from its headers:
 * the GNU build id (to match a binary to a trace's module record) and the
 * address its first loadable segment asks for (to turn a module offset into
 * the address the file's symbols and line tables use). 64-bit little-endian
 * ELF only (Linux x86-64/aarch64); anything else yields null.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface ElfFacts {
  buildId: string;
  /** p_vaddr of the lowest PT_LOAD, rounded down to a page: what dli_fbase maps to. */
  baseVaddr: bigint;
}

const PT_LOAD = 1;
const PT_NOTE = 4;
const NT_GNU_BUILD_ID = 3;

function readAt(fd: number, off: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  const n = readSync(fd, b, 0, len, off);
  return b.subarray(0, n);
}

export function elfFacts(file: string): ElfFacts | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const h = readAt(fd, 0, 64);
    if (h.length < 64 || h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return null;
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = readAt(fd, phoff, phentsize * phnum);
    let base: bigint | null = null;
    let buildId = '';
    for (let i = 0; i < phnum && (i + 1) * phentsize <= ph.length; i++) {
      const o = i * phentsize;
      const type = ph.readUInt32LE(o);
      if (type === PT_LOAD) {
        const v = ph.readBigUInt64LE(o + 16);
        if (base === null || v < base) base = v;
      } else if (type === PT_NOTE && !buildId) {
        const off = Number(ph.readBigUInt64LE(o + 8));
        const size = Number(ph.readBigUInt64LE(o + 32));
        const notes = readAt(fd, off, Math.min(size, 1 << 16));
        let p = 0;
        while (p + 12 <= notes.length) {
          const namesz = notes.readUInt32LE(p);
          const descsz = notes.readUInt32LE(p + 4);
          const ntype = notes.readUInt32LE(p + 8);
          const name = p + 12;
          const desc = name + ((namesz + 3) & ~3);
          if (desc + descsz > notes.length) break;
          if (ntype === NT_GNU_BUILD_ID && namesz === 4 && notes.toString('latin1', name, name + 3) === 'GNU') {
            buildId = notes.subarray(desc, desc + descsz).toString('hex');
            break;
          }
          p = desc + ((descsz + 3) & ~3);
        }
      }
    }
    if (base === null) return null;
    return { buildId, baseVaddr: base & ~0xfffn };
  } finally {
    closeSync(fd);
  }
}
