/** Lookup tables over the generated schema, shared by the writer and the reader. */
import {
  KINDS,
  ENUMS,
  CONTAINER,
  FORMAT_VERSION,
  FILE_HEADER,
  CHUNK_HEADER,
  CHUNK_ENTRY,
  FILE_END,
  FLAGS,
  KIND,
  type KindDef,
} from './schema.generated.js';

export { KINDS, ENUMS, CONTAINER, FORMAT_VERSION, FILE_HEADER, CHUNK_HEADER, CHUNK_ENTRY, FILE_END, FLAGS, KIND };
export type { KindDef };

export const KIND_BY_NAME: ReadonlyMap<string, KindDef> = new Map(KINDS.map((k) => [k.name, k]));
export const KIND_BY_ID: ReadonlyMap<number, KindDef> = new Map(KINDS.map((k) => [k.id, k]));
export const STRING_KIND = KIND_BY_NAME.get('string')!.id;

/**
 * Record size in words for every known kind id (index = kind id), 0 = unknown.
 * A typed array so the decoder's hot loop needs no Map lookup.
 */
export const KNOWN_WORDS: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const k of KINDS) t[k.id] = k.words;
  return t;
})();

/**
 * For every kind id, the payload words (0..4) that hold a signed 64-bit time in
 * ns (schema unit `ns`), or undefined when it has none: the decoder checks their range.
 */
export const NS_PAYLOAD_WORDS: readonly (readonly { word: number; name: string }[] | undefined)[] = (() => {
  const t: ({ word: number; name: string }[] | undefined)[] = new Array(256).fill(undefined);
  for (const k of KINDS) {
    const ns = k.fields.filter((f) => f.unit === 'ns' && f.bytes === 8).map((f) => ({ word: f.word, name: f.name }));
    if (ns.length > 0) t[k.id] = ns;
  }
  return t;
})();

/** NS_PAYLOAD_WORDS as one bit per payload word (bit w: word w is such a time), 0 for none. */
export const NS_PAYLOAD_MASK: Uint8Array = (() => {
  const t = new Uint8Array(256);
  NS_PAYLOAD_WORDS.forEach((ws, kind) => {
    for (const { word } of ws ?? []) t[kind]! |= 1 << word;
  });
  return t;
})();

/** Record kinds with no timeline meaning (the string and call-site tables). */
export const NON_TIMELINE_KINDS: readonly number[] = [KIND.string, KIND.callsite];
/** SQL condition on raw_events.kind keeping records that have a place on the timeline. */
export const ON_TIMELINE_SQL = `kind NOT IN (${NON_TIMELINE_KINDS.join(', ')})`;

/** Name of an enum value, or `unknown(N)`. */
export function enumName(enumName: string, code: number): string {
  const values = ENUMS[enumName];
  if (values) for (const [name, v] of Object.entries(values)) if (v === code) return name;
  return `unknown(${code})`;
}
