/**
 * The format's checks. Version 2 (and later): a CRC-16 (reflected polynomial and
 * initial value from events.json), identical to `mpst_check16` in the generated C
 * header, which detects every 1- to 3-bit error in a record. Version 1: the 16-bit
 * fold of a multiplicative hash (`checksum32`), kept to read old files; it let
 * some single-bit errors through.
 * Callers zero the check bits first, or use the record variants, which treat the
 * high half of a record's first u32 word (its check) as zero.
 */
import { crc16Tables } from './crc16.js';
import { CONTAINER } from './kinds.js';

const [T0, T1, T2, T3, T4, T5, T6, T7] = crc16Tables(CONTAINER.crc16PolyReflected) as [
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
];
const INIT: number = CONTAINER.crc16Init;

/** CRC-16 of `count` u32 words (an even number) from `start`. */
export function check16(words: Uint32Array, start: number, count: number): number {
  let c = INIT;
  const end = start + count;
  for (let i = start; i < end; i += 2) {
    const x = c ^ words[i]!;
    const y = words[i + 1]!;
    c =
      T7[x & 0xff]! ^
      T6[(x >>> 8) & 0xff]! ^
      T5[(x >>> 16) & 0xff]! ^
      T4[x >>> 24]! ^
      T3[y & 0xff]! ^
      T2[(y >>> 8) & 0xff]! ^
      T1[(y >>> 16) & 0xff]! ^
      T0[y >>> 24]!;
  }
  return c;
}

/** CRC-16 of a record whose first u32 word (kind | words << 8 | check << 16) sits at `start`. */
export function recordCheck16(words: Uint32Array, start: number, count: number): number {
  // The first step apart: its check bits count as zero (no per-step test in the loop).
  let x = INIT ^ (words[start]! & 0xffff);
  let y = words[start + 1]!;
  let c =
    T7[x & 0xff]! ^
    T6[(x >>> 8) & 0xff]! ^
    T5[(x >>> 16) & 0xff]! ^
    T4[x >>> 24]! ^
    T3[y & 0xff]! ^
    T2[(y >>> 8) & 0xff]! ^
    T1[(y >>> 16) & 0xff]! ^
    T0[y >>> 24]!;
  const end = start + count;
  for (let i = start + 2; i < end; i += 2) {
    x = c ^ words[i]!;
    y = words[i + 1]!;
    c =
      T7[x & 0xff]! ^
      T6[(x >>> 8) & 0xff]! ^
      T5[(x >>> 16) & 0xff]! ^
      T4[x >>> 24]! ^
      T3[y & 0xff]! ^
      T2[(y >>> 8) & 0xff]! ^
      T1[(y >>> 16) & 0xff]! ^
      T0[y >>> 24]!;
  }
  return c;
}

/**
 * Version 1's check, `mpst_checksum32` of format 1.x: x = 0x811C9DC5; for each
 * u32 word w: x = rotl(x, 5) ^ w; x *= 0x9E3779B1; check = (x ^ x >> 16) & 0xFFFF.
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

/** Version 1's record check: the check bits (16..31 of the first word) count as zero. */
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

/** The pair of checks a file of major version `major` uses. */
export interface CheckFns {
  header(words: Uint32Array, start: number, count: number): number;
  record(words: Uint32Array, start: number, count: number): number;
}
export const CHECKS_V1: CheckFns = { header: checksum32, record: recordCheck };
export const CHECKS_V2: CheckFns = { header: check16, record: recordCheck16 };
export function checksFor(major: number): CheckFns {
  return major >= CONTAINER.crcFromMajor ? CHECKS_V2 : CHECKS_V1;
}
