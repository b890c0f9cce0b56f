/**
 * Reads instrumentation/schema/events.json and computes the binary layout of
 * every record kind. Everything that knows about fields (the C header, the TS
 * decoder tables, the DuckDB views, docs/FORMAT.md) is generated from this.
 */
import { readFileSync } from 'node:fs';

export type FieldType = 'u8' | 'u16' | 'u32' | 'u64' | 'i32' | 'i64' | 'str';

export interface SchemaField {
  name: string;
  type: FieldType;
  enum?: string;
  unit?: string;
  doc?: string;
}

export interface SchemaKind {
  id: number;
  name: string;
  group: string;
  doc?: string;
  variable?: boolean;
  fields: SchemaField[];
}

export interface SchemaEnum {
  doc: string;
  values: Record<string, number>;
}

export interface Schema {
  version: { major: number; minor: number };
  enums: Record<string, SchemaEnum>;
  kinds: SchemaKind[];
}

export interface LaidOutField extends SchemaField {
  /** Byte offset from the start of the record (header included). */
  offset: number;
  /** Byte width in the record. */
  bytes: number;
  signed: boolean;
  /** Payload word (p0..p4) holding the field, and the bit shift inside it. */
  word: number;
  shift: number;
}

export interface LaidOutKind extends Omit<SchemaKind, 'fields'> {
  fields: LaidOutField[];
  /** Record size in 8-byte words, header included (fixed part for variable kinds). */
  words: number;
}

/** Container constants. Changing any of them is a major format change. */
export const CONTAINER = {
  fileMagic: 'MPSTRACE',
  fileHeaderBytes: 64,
  chunkHeaderBytes: 32,
  chunkMagic: 0x4b43504d, // 'MPCK' little-endian
  recordHeaderBytes: 16,
  /** Payload words a fixed-size record may use; the raw table has one column per word. */
  maxPayloadWords: 5,
  /** The header's `words` field is 8 bits. */
  maxRecordWords: 255,
  minChunkBytes: 4096,
  maxChunkBytes: 64 << 20,
} as const;

/** Columns every record has (raw_events and each ev_<kind> view). */
export const RESERVED_FIELD_NAMES = new Set(['id', 'ts', 'tid', 'site', 'kind']);

const WIDTH: Record<FieldType, number> = { u8: 1, u16: 2, u32: 4, u64: 8, i32: 4, i64: 8, str: 4 };

export function loadSchema(path: string): Schema {
  return JSON.parse(readFileSync(path, 'utf8')) as Schema;
}

/** Natural alignment, declaration order, payload padded to 8 bytes. */
export function layOut(schema: Schema): LaidOutKind[] {
  const seen = new Set<number>();
  const names = new Set<string>();
  return schema.kinds.map((k) => {
    if (k.id < 1 || k.id > 255 || seen.has(k.id)) throw new Error(`schema: bad or duplicate kind id ${k.id}`);
    if (names.has(k.name)) throw new Error(`schema: duplicate kind name ${k.name}`);
    seen.add(k.id);
    names.add(k.name);
    let off = CONTAINER.recordHeaderBytes;
    const fields = k.fields.map((f) => {
      // every ev_<kind> view already has these columns; a field of the same name would be shadowed
      if (RESERVED_FIELD_NAMES.has(f.name)) throw new Error(`schema: ${k.name}.${f.name}: field name is reserved (${[...RESERVED_FIELD_NAMES].join(', ')})`);
      const bytes = WIDTH[f.type];
      if (bytes === undefined) throw new Error(`schema: ${k.name}.${f.name}: unknown type ${f.type}`);
      if (f.enum && !schema.enums[f.enum]) throw new Error(`schema: ${k.name}.${f.name}: unknown enum ${f.enum}`);
      off = Math.ceil(off / bytes) * bytes;
      const payloadOff = off - CONTAINER.recordHeaderBytes;
      const field: LaidOutField = {
        ...f,
        offset: off,
        bytes,
        signed: f.type === 'i32' || f.type === 'i64',
        word: Math.floor(payloadOff / 8),
        shift: (payloadOff % 8) * 8,
      };
      off += bytes;
      return field;
    });
    const words = Math.ceil(off / 8);
    if (words - 2 > CONTAINER.maxPayloadWords) {
      throw new Error(`schema: ${k.name} needs ${words - 2} payload words; at most ${CONTAINER.maxPayloadWords}`);
    }
    return { ...k, fields, words };
  });
}
