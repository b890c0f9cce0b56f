/**
 * Reads instrumentation/schema/events.json and computes the binary layout of
 * every record kind. Everything that knows about fields (the C header, the TS
 * decoder tables, the DuckDB views, docs/FORMAT.md) is generated from this.
 */
import { readFileSync } from 'node:fs';

export type FieldType = 'u8' | 'u16' | 'u32' | 'u64' | 'i32' | 'i64' | 'str';
/** Header fields may also be fixed byte strings (the file magic). */
export type HeaderFieldType = Exclude<FieldType, 'str'> | 'char8';

export interface SchemaField {
  name: string;
  type: FieldType;
  enum?: string;
  /** Name of a flag set in `flags` whose bits this field holds. */
  flags?: string;
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

export interface SchemaHeaderField extends Omit<SchemaField, 'type'> {
  type: HeaderFieldType;
  /** The header's own check word (zeroed while the check is computed). */
  check?: boolean;
}

export interface SchemaHeader {
  doc: string;
  fields: SchemaHeaderField[];
}

export interface SchemaFlagSet {
  doc: string;
  bits: Record<string, { bit: number; doc?: string }>;
}

export interface SchemaContainer {
  doc: string;
  fileMagic: string;
  /** Four ASCII bytes; stored as a little-endian u32. */
  chunkMagic: string;
  recordHeaderBytes: number;
  /** Payload words a fixed-size record may use; the raw table has one column per word. */
  maxPayloadWords: number;
  /** The record header's `words` field is 8 bits. */
  maxRecordWords: number;
  minChunkBytes: number;
  maxChunkBytes: number;
  /** Eight ASCII bytes opening the version-2 file end. */
  endMagic: string;
  /** The CRC-16 every version-2 check uses. */
  check: { doc: string; crc16PolyReflected: number; crc16Init: number; fromMajor: number };
}

export interface SchemaAnnotation {
  name: string;
  /** C return type; absent: void. */
  returns?: 'int' | 'u32';
  /** `type name` or `int name enum_name`. */
  params: string[];
  /** Only for language bindings (not declared in mpstrace.h). */
  binding?: boolean;
  doc?: string;
}

export interface Schema {
  version: { major: number; minor: number };
  container: SchemaContainer;
  annotations: { doc: string; entries: SchemaAnnotation[] };
  headers: Record<string, SchemaHeader>;
  flags: Record<string, SchemaFlagSet>;
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

export interface Container {
  fileMagic: string;
  fileHeaderBytes: number;
  chunkHeaderBytes: number;
  chunkMagic: number;
  recordHeaderBytes: number;
  maxPayloadWords: number;
  maxRecordWords: number;
  minChunkBytes: number;
  maxChunkBytes: number;
  endMagic: string;
  fileEndBytes: number;
  chunkEntryBytes: number;
  crc16PolyReflected: number;
  crc16Init: number;
  /** First major version whose checks are the CRC-16 (older files: the folded hash). */
  crcFromMajor: number;
}

export interface LaidOutHeaderField extends SchemaHeaderField {
  offset: number;
  bytes: number;
}

export interface LaidOutHeader {
  name: string;
  doc: string;
  bytes: number;
  fields: LaidOutHeaderField[];
}

/** Columns every record has (raw_events and each ev_<kind> view). */
export const RESERVED_FIELD_NAMES = new Set(['id', 'ts', 'tid', 'site', 'kind']);

const WIDTH: Record<FieldType | HeaderFieldType, number> = { u8: 1, u16: 2, u32: 4, u64: 8, i32: 4, i64: 8, str: 4, char8: 8 };

export function loadSchema(path: string): Schema {
  return JSON.parse(readFileSync(path, 'utf8')) as Schema;
}

/**
 * File and chunk headers: declaration order, every field naturally aligned with
 * no implicit padding (reserved space is a named field), size a multiple of 8.
 */
export function layOutHeaders(schema: Schema): LaidOutHeader[] {
  return Object.entries(schema.headers).map(([name, h]) => {
    let off = 0;
    const fields = h.fields.map((f) => {
      const bytes = WIDTH[f.type];
      if (bytes === undefined) throw new Error(`schema: ${name}.${f.name}: unknown type ${f.type}`);
      const align = f.type === 'char8' ? 1 : bytes;
      if (off % align !== 0)
        throw new Error(`schema: ${name}.${f.name} at offset ${off} is not ${align}-byte aligned; add a reserved field before it`);
      if (f.enum && !schema.enums[f.enum]) throw new Error(`schema: ${name}.${f.name}: unknown enum ${f.enum}`);
      if (f.flags && !schema.flags[f.flags]) throw new Error(`schema: ${name}.${f.name}: unknown flag set ${f.flags}`);
      const field: LaidOutHeaderField = { ...f, offset: off, bytes };
      off += bytes;
      return field;
    });
    if (off % 8 !== 0) throw new Error(`schema: ${name} is ${off} bytes; pad it to a multiple of 8 with a reserved field`);
    return { name, doc: h.doc, bytes: off, fields };
  });
}

/** The container constants, with header sizes taken from the header layouts. */
export function containerOf(schema: Schema): Container {
  const c = schema.container;
  const headers = new Map(layOutHeaders(schema).map((h) => [h.name, h]));
  const file = headers.get('file_header');
  const chunk = headers.get('chunk_header');
  const end = headers.get('file_end');
  const entry = headers.get('chunk_entry');
  if (!file || !chunk || !end || !entry)
    throw new Error('schema: headers.file_header, chunk_header, chunk_entry and file_end are required');
  if (c.fileMagic.length !== 8 || c.chunkMagic.length !== 4 || c.endMagic.length !== 8)
    throw new Error('schema: fileMagic and endMagic must be 8 and chunkMagic 4 ASCII characters');
  return {
    fileMagic: c.fileMagic,
    fileHeaderBytes: file.bytes,
    chunkHeaderBytes: chunk.bytes,
    chunkMagic: Buffer.from(c.chunkMagic, 'latin1').readUInt32LE(0),
    recordHeaderBytes: c.recordHeaderBytes,
    maxPayloadWords: c.maxPayloadWords,
    maxRecordWords: c.maxRecordWords,
    minChunkBytes: c.minChunkBytes,
    maxChunkBytes: c.maxChunkBytes,
    endMagic: c.endMagic,
    fileEndBytes: end.bytes,
    chunkEntryBytes: entry.bytes,
    crc16PolyReflected: c.check.crc16PolyReflected,
    crc16Init: c.check.crc16Init,
    crcFromMajor: c.check.fromMajor,
  };
}

/** Natural alignment, declaration order, payload padded to 8 bytes. */
export function layOut(schema: Schema): LaidOutKind[] {
  const { recordHeaderBytes, maxPayloadWords } = schema.container;
  const seen = new Set<number>();
  const names = new Set<string>();
  return schema.kinds.map((k) => {
    if (k.id < 1 || k.id > 255 || seen.has(k.id)) throw new Error(`schema: bad or duplicate kind id ${k.id}`);
    if (names.has(k.name)) throw new Error(`schema: duplicate kind name ${k.name}`);
    seen.add(k.id);
    names.add(k.name);
    let off = recordHeaderBytes;
    const fields = k.fields.map((f) => {
      // every ev_<kind> view already has these columns; a field of the same name would be shadowed
      if (RESERVED_FIELD_NAMES.has(f.name))
        throw new Error(`schema: ${k.name}.${f.name}: field name is reserved (${[...RESERVED_FIELD_NAMES].join(', ')})`);
      const bytes = WIDTH[f.type];
      if (bytes === undefined) throw new Error(`schema: ${k.name}.${f.name}: unknown type ${f.type}`);
      if (f.enum && !schema.enums[f.enum]) throw new Error(`schema: ${k.name}.${f.name}: unknown enum ${f.enum}`);
      if (f.flags && !schema.flags[f.flags]) throw new Error(`schema: ${k.name}.${f.name}: unknown flag set ${f.flags}`);
      off = Math.ceil(off / bytes) * bytes;
      const payloadOff = off - recordHeaderBytes;
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
    if (words - 2 > maxPayloadWords) {
      throw new Error(`schema: ${k.name} needs ${words - 2} payload words; at most ${maxPayloadWords}`);
    }
    return { ...k, fields, words };
  });
}
