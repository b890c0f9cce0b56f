/**
 * The format's 16-bit check, identical to `mpst_checksum32` in the generated C
 * header: x = 0x811C9DC5; for each u32 word w: x = rotl(x, 5) ^ w; x *= 0x9E3779B1;
 * check = (x ^ x >> 16) & 0xFFFF. Callers zero the check bits first (or pass
 * `maskFirst` so the first word's high half is treated as zero, as for records).
 */
export function checksum32(words: Uint32Array, start: number, count: number): number {
  let x = 0x811c9dc5;
  const end = start + count;
  for (let i = start; i < end; i++) {
    x = ((x << 5) | (x >>> 27)) ^ words[i]!;
    x = Math.imul(x, 0x9e3779b1);
  }
  x >>>= 0;
  return (x ^ (x >>> 16)) & 0xffff;
}

/**
 * Check of a record whose first u32 word (kind | words << 8 | check << 16) sits at
 * `start`: the check bits (16..31 of that word) count as zero.
 */
export function recordCheck(words: Uint32Array, start: number, count: number): number {
  let x = 0x811c9dc5;
  x = ((x << 5) | (x >>> 27)) ^ (words[start]! & 0xffff);
  x = Math.imul(x, 0x9e3779b1);
  const end = start + count;
  for (let i = start + 1; i < end; i++) {
    x = ((x << 5) | (x >>> 27)) ^ words[i]!;
    x = Math.imul(x, 0x9e3779b1);
  }
  x >>>= 0;
  return (x ^ (x >>> 16)) & 0xffff;
}
