/**
 * The CRC-16 tables of the version-2 checks, built from the polynomial and the
 * initial value in events.json (no copy of the table lives in the source: the
 * generator writes the same numbers into the C header). Slicing by 8: one step
 * takes two 32-bit words (8 bytes, little-endian) through 8 independent table
 * lookups, which is what keeps the recorder's per-record cost near the old hash.
 */
export function crc16Tables(polyReflected: number): Uint16Array[] {
  const t0 = new Uint16Array(256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ polyReflected : c >>> 1;
    t0[b] = c;
  }
  const tables = [t0];
  for (let k = 1; k < 8; k++) {
    const prev = tables[k - 1]!;
    const t = new Uint16Array(256);
    for (let b = 0; b < 256; b++) t[b] = (prev[b]! >>> 8) ^ t0[prev[b]! & 0xff]!;
    tables.push(t);
  }
  return tables;
}

/** Bit-at-a-time reference (tests hold the sliced version against it). */
export function crc16Bitwise(bytes: Uint8Array, polyReflected: number, init: number): number {
  let c = init;
  for (const byte of bytes) {
    c ^= byte;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ polyReflected : c >>> 1;
  }
  return c;
}
