/**
 * Generates every artifact that depends on the event schema:
 *   instrumentation/include/mpstrace_format.h     (C headers, records and emitters)
 *   src/format/schema.generated.ts                (TS decoder tables)
 *   src/ingest/views.generated.sql                (DuckDB tables and per-kind views)
 *   docs/FORMAT.md                                (field reference)
 *   instrumentation/include/mpstrace.h            (public annotation API, api.ts)
 *   instrumentation/runtime/mpst_api.generated.h  (the recorder's entry points, api.ts)
 *   instrumentation/python/mpstrace/_schema.py    (Python tables, python.ts)
 * `node dist/schema/generate.js` writes them; `--check` only compares and
 * exits 1 on a difference (test/schema.test.ts does the same in-process).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cImplPrototypes, cPublicHeader } from './api.js';
import { pythonModule } from './python.js';
import { payloadFieldSql } from '../format/payloadSql.js';
import { crc16Tables } from '../format/crc16.js';
import { containerOf, layOut, layOutHeaders, loadSchema, type LaidOutHeader, type LaidOutKind, type Schema } from './layout.js';

const BANNER = 'Generated from instrumentation/schema/events.json by `npm run gen`. Do not edit.';

const C_TYPE: Record<string, string> = {
  u8: 'uint8_t',
  u16: 'uint16_t',
  u32: 'uint32_t',
  u64: 'uint64_t',
  i32: 'int32_t',
  i64: 'int64_t',
  str: 'uint32_t',
};

const upper = (s: string) => s.toUpperCase();

/** Flag set name -> bit name -> mask. */
function flagMasks(schema: Schema): Record<string, Record<string, number>> {
  return Object.fromEntries(
    Object.entries(schema.flags).map(([set, f]) => [set, Object.fromEntries(Object.entries(f.bits).map(([n, b]) => [n, 2 ** b.bit]))]),
  );
}

function cHeaderStruct(h: LaidOutHeader): string[] {
  const L = [`/* ${h.name} (${h.bytes} bytes): ${h.doc} */`, `typedef struct mpst_${h.name} {`];
  for (const f of h.fields) {
    const note = f.enum ? ` /* enum mpst_${f.enum} */` : f.flags ? ` /* MPST_${upper(f.flags)}_FLAG_* */` : '';
    L.push(f.type === 'char8' ? `  char ${f.name}[8];` : `  ${C_TYPE[f.type]} ${f.name};${note}`);
  }
  L.push(`} mpst_${h.name};`, `_Static_assert(sizeof(mpst_${h.name}) == ${h.bytes}, "${h.name} size");`, '');
  return L;
}

/** The CRC-16 of every version-2 check: its tables (slicing by 8) and the step functions. */
function cCheck(poly: number): string[] {
  const L = [
    `/* CRC-16, reflected polynomial 0x${poly.toString(16).toUpperCase()}, init MPST_CHECK_INIT, no final xor, sliced by 8:`,
    '   mpst_crc16_tab[k][b] is the CRC of byte b followed by k zero bytes. */',
    'static const uint16_t mpst_crc16_tab[8][256] = {',
  ];
  for (const t of crc16Tables(poly)) {
    const rows: string[] = [];
    for (let i = 0; i < 256; i += 16)
      rows.push('   ' + Array.from(t.subarray(i, i + 16), (v) => ` 0x${v.toString(16).padStart(4, '0')},`).join(''));
    L.push('  {', ...rows, '  },');
  }
  L.push(
    '};',
    '',
    '/* One step: 8 bytes (two little-endian u32 words lo, hi) into the CRC. */',
    'static inline uint32_t mpst_crc16_step(uint32_t crc, uint32_t lo, uint32_t hi) {',
    '  uint32_t x = crc ^ lo;',
    '  return (uint32_t)mpst_crc16_tab[7][x & 0xFF] ^ mpst_crc16_tab[6][(x >> 8) & 0xFF] ^ mpst_crc16_tab[5][(x >> 16) & 0xFF] ^',
    '         mpst_crc16_tab[4][x >> 24] ^ mpst_crc16_tab[3][hi & 0xFF] ^ mpst_crc16_tab[2][(hi >> 8) & 0xFF] ^',
    '         mpst_crc16_tab[1][(hi >> 16) & 0xFF] ^ mpst_crc16_tab[0][hi >> 24];',
    '}',
    '',
    '/* Check over n 32-bit words (n even), with the check bits zeroed beforehand. */',
    'static inline uint32_t mpst_check16(const uint32_t *w, size_t n) {',
    '  uint32_t crc = MPST_CHECK_INIT;',
    '  for (size_t i = 0; i + 1 < n; i += 2) crc = mpst_crc16_step(crc, w[i], w[i + 1]);',
    '  return crc;',
    '}',
    '',
  );
  return L;
}

function cHeader(schema: Schema, kinds: LaidOutKind[]): string {
  const L: string[] = [];
  L.push(`/* ${BANNER} */`, '#ifndef MPSTRACE_FORMAT_H', '#define MPSTRACE_FORMAT_H', '', '#include <stddef.h>', '#include <stdint.h>', '');
  L.push(`#define MPST_VERSION_MAJOR ${schema.version.major}`, `#define MPST_VERSION_MINOR ${schema.version.minor}`);
  const C = containerOf(schema);
  L.push(`#define MPST_FILE_MAGIC "${C.fileMagic}"`);
  L.push(`#define MPST_FILE_HEADER_BYTES ${C.fileHeaderBytes}`);
  L.push(`#define MPST_CHUNK_HEADER_BYTES ${C.chunkHeaderBytes}`);
  L.push(`#define MPST_CHUNK_MAGIC 0x${C.chunkMagic.toString(16).toUpperCase()}u /* '${schema.container.chunkMagic}' */`);
  L.push(`#define MPST_RECORD_HEADER_BYTES ${C.recordHeaderBytes}`);
  L.push(`#define MPST_MAX_RECORD_WORDS ${C.maxRecordWords}`);
  L.push(`#define MPST_MIN_CHUNK_BYTES ${C.minChunkBytes}`);
  L.push(`#define MPST_MAX_CHUNK_BYTES ${C.maxChunkBytes}`);
  L.push(`#define MPST_END_MAGIC "${C.endMagic}"`);
  L.push(`#define MPST_FILE_END_BYTES ${C.fileEndBytes}`);
  L.push(`#define MPST_CHUNK_ENTRY_BYTES ${C.chunkEntryBytes}`);
  L.push(`#define MPST_CHECK_INIT 0x${C.crc16Init.toString(16).toUpperCase()}u`, '');
  for (const [set, f] of Object.entries(schema.flags)) {
    L.push(`/* ${f.doc} */`);
    for (const [n, b] of Object.entries(f.bits))
      L.push(`#define MPST_${upper(set)}_FLAG_${upper(n)} 0x${(2 ** b.bit).toString(16)}u${b.doc ? ` /* ${b.doc} */` : ''}`);
    L.push('');
  }
  for (const [name, e] of Object.entries(schema.enums)) {
    L.push(`/* ${e.doc} */`, `enum mpst_${name} {`);
    for (const [v, n] of Object.entries(e.values)) L.push(`  MPST_${upper(name)}_${upper(v)} = ${n},`);
    L.push('};', '');
  }
  L.push('enum mpst_kind {');
  for (const k of kinds) L.push(`  MPST_K_${upper(k.name)} = ${k.id},`);
  L.push('};', '');
  for (const h of layOutHeaders(schema)) L.push(...cHeaderStruct(h));
  L.push(
    '/* Record header. w0 = kind | words << 8 | check << 16 | site << 32, stored last. */',
    'typedef struct mpst_rec_header {',
    '  uint64_t w0;',
    '  int64_t ts;',
    '} mpst_rec_header;',
    '',
  );
  L.push(...cCheck(C.crc16PolyReflected));
  for (const k of kinds) {
    L.push(`/* ${k.name} (${k.id})${k.doc ? `: ${k.doc}` : ''} */`);
    L.push(`typedef struct mpst_${k.name} {`, '  mpst_rec_header h;');
    let off = C.recordHeaderBytes;
    let pad = 0;
    for (const f of k.fields) {
      if (f.offset > off) L.push(`  uint8_t _pad${pad++}[${f.offset - off}];`);
      L.push(`  ${C_TYPE[f.type]} ${f.name};${f.enum ? ` /* enum mpst_${f.enum} */` : f.type === 'str' ? ' /* string id */' : ''}`);
      off = f.offset + f.bytes;
    }
    if (k.words * 8 > off) L.push(`  uint8_t _pad${pad++}[${k.words * 8 - off}];`);
    L.push(`} mpst_${k.name};`);
    L.push(`#define MPST_WORDS_${upper(k.name)} ${k.words}`);
    L.push(`_Static_assert(sizeof(mpst_${k.name}) == ${k.words * 8}, "${k.name} size");`, '');
  }
  L.push(
    '#ifdef MPST_WANT_EMITTERS',
    "/* Provided by the runtime: reserve `words` zeroed words in this thread's chunk",
    '   (NULL when recording is off, reentrant or out of space, counted as lost),',
    '   then publish the record by storing its first word last. */',
    'void *mpst_record_begin(unsigned words);',
    'void mpst_record_end(void *rec, unsigned kind, unsigned words, uint32_t site, int64_t ts);',
    'int64_t mpst_now(void);',
    '',
  );
  for (const k of kinds) {
    if (k.variable) continue;
    const params = ['int64_t ts', 'uint32_t site', ...k.fields.map((f) => `${C_TYPE[f.type]} ${f.name}`)];
    L.push(`static inline void mpst_emit_${k.name}_at(${params.join(', ')}) {`);
    L.push(`  mpst_${k.name} *r = (mpst_${k.name} *)mpst_record_begin(MPST_WORDS_${upper(k.name)});`);
    L.push('  if (!r) return;');
    for (const f of k.fields) L.push(`  r->${f.name} = ${f.name};`);
    L.push(`  mpst_record_end(r, MPST_K_${upper(k.name)}, MPST_WORDS_${upper(k.name)}, site, ts);`);
    L.push('}');
    const args = ['mpst_now()', 'site', ...k.fields.map((f) => f.name)];
    L.push(`#define mpst_emit_${k.name}(site${k.fields.map((f) => `, ${f.name}`).join('')}) \\`);
    L.push(`  mpst_emit_${k.name}_at(${args.join(', ')})`);
  }
  L.push('#endif /* MPST_WANT_EMITTERS */', '', '#endif /* MPSTRACE_FORMAT_H */', '');
  return L.join('\n');
}

function tsModule(schema: Schema, kinds: LaidOutKind[]): string {
  const L: string[] = [];
  L.push(`// ${BANNER}`, '');
  L.push(`export const FORMAT_VERSION = ${JSON.stringify(schema.version)} as const;`);
  L.push(`export const CONTAINER = ${JSON.stringify(containerOf(schema), null, 2)} as const;`, '');
  L.push('/** Header layouts: field name -> byte offset and width. */');
  for (const h of layOutHeaders(schema)) {
    const fields = Object.fromEntries(h.fields.map((f) => [f.name, { offset: f.offset, bytes: f.bytes }]));
    L.push(`export const ${upper(h.name)} = ${JSON.stringify({ bytes: h.bytes, fields })} as const;`);
  }
  L.push('', '/** Flag sets: set -> bit name -> mask. */');
  L.push(`export const FLAGS = ${JSON.stringify(flagMasks(schema), null, 2)} as const;`, '');
  L.push(
    'export interface FieldDef { name: string; type: string; enum?: string; unit?: string; offset: number; bytes: number; signed: boolean; word: number; shift: number }',
  );
  L.push('export interface KindDef { id: number; name: string; group: string; words: number; variable: boolean; fields: FieldDef[] }', '');
  L.push(
    `export const ENUMS: Record<string, Record<string, number>> = ${JSON.stringify(
      Object.fromEntries(Object.entries(schema.enums).map(([n, e]) => [n, e.values])),
      null,
      2,
    )};`,
    '',
  );
  L.push('export const KINDS: KindDef[] = [');
  for (const k of kinds) {
    const fields = k.fields.map((f) => ({
      name: f.name,
      type: f.type,
      ...(f.enum ? { enum: f.enum } : {}),
      ...(f.unit ? { unit: f.unit } : {}),
      offset: f.offset,
      bytes: f.bytes,
      signed: f.signed,
      word: f.word,
      shift: f.shift,
    }));
    L.push(`  ${JSON.stringify({ id: k.id, name: k.name, group: k.group, words: k.words, variable: !!k.variable, fields })},`);
  }
  L.push('];', '');
  L.push('export const KIND = {');
  for (const k of kinds) L.push(`  ${k.name}: ${k.id},`);
  L.push('} as const;', '');
  return L.join('\n');
}

function enumCase(expr: string, values: Record<string, number>): string {
  return `CASE ${expr} ${Object.entries(values)
    .map(([n, v]) => `WHEN ${v} THEN '${n}'`)
    .join(' ')} ELSE 'unknown(' || ${expr} || ')' END`;
}

function sqlViews(schema: Schema, kinds: LaidOutKind[]): string {
  const L: string[] = [];
  const payload = Array.from({ length: schema.container.maxPayloadWords }, (_, i) => `p${i} BIGINT`).join(', ');
  L.push(`-- ${BANNER}`, '-- u64 fields are stored as BIGINT (same bits, signed reading).', '');
  L.push(`CREATE TABLE raw_events (id BIGINT, ts BIGINT, tid BIGINT, kind UTINYINT, site UINTEGER, ${payload});`);
  L.push('CREATE TABLE strings (id UINTEGER, text VARCHAR);');
  L.push('CREATE TABLE kinds (code UTINYINT, name VARCHAR, grp VARCHAR);');
  L.push(`INSERT INTO kinds VALUES ${kinds.map((k) => `(${k.id}, '${k.name}', '${k.group}')`).join(', ')};`);
  L.push('CREATE TABLE enum_values (enum VARCHAR, code INTEGER, name VARCHAR);');
  const ev = Object.entries(schema.enums).flatMap(([e, d]) => Object.entries(d.values).map(([n, v]) => `('${e}', ${v}, '${n}')`));
  L.push(`INSERT INTO enum_values VALUES ${ev.join(', ')};`, '');
  for (const k of kinds) {
    if (k.variable) continue;
    const cols = ['e.id', 'e.ts', 'e.tid', 'e.site'];
    const joins: string[] = [];
    for (const f of k.fields) {
      const x = payloadFieldSql(f, 'e');
      if (f.type === 'str') {
        const alias = `s_${f.name}`;
        cols.push(`${x} AS ${f.name}_id`, `${alias}.text AS ${f.name}`);
        joins.push(`LEFT JOIN strings ${alias} ON ${alias}.id = ${x}`);
      } else if (f.enum) {
        cols.push(`${enumCase(x, schema.enums[f.enum].values)} AS ${f.name}`);
      } else {
        cols.push(`${x} AS ${f.name}`);
      }
    }
    L.push(
      `CREATE VIEW ev_${k.name} AS SELECT ${cols.join(', ')} FROM raw_events e ${joins.join(' ')}${joins.length ? ' ' : ''}WHERE e.kind = ${k.id};`,
    );
  }
  L.push('');
  return L.join('\n');
}

function markdown(schema: Schema, kinds: LaidOutKind[]): string {
  const C = containerOf(schema);
  const L: string[] = [];
  L.push(`<!-- ${BANNER} -->`, '', `# mpstrace trace format, version ${schema.version.major}.${schema.version.minor}`, '');
  L.push(
    'All integers are little-endian. Times are nanoseconds on the clock named in the file header',
    '(`CLOCK_MONOTONIC` on Linux, `CLOCK_UPTIME_RAW` on macOS).',
    '',
    '## Container',
    '',
    `- **File header** (${C.fileHeaderBytes} bytes at offset 0, magic \`${C.fileMagic}\`; layout below).`,
    '  A reader refuses a newer major version and reads a newer minor version, skipping record kinds it does not know.',
    `- **Chunks** follow at \`header_bytes + k * chunk_bytes\` (${C.minChunkBytes} B to ${C.maxChunkBytes} B, a power of two).`,
    `  Each chunk belongs to one thread and starts with a ${C.chunkHeaderBytes}-byte header (magic \`${schema.container.chunkMagic}\`; layout below).`,
    '  An all-zero chunk is unused space.',
    `- **Records** are 8-byte aligned and fill a chunk from byte ${C.chunkHeaderBytes}; a zero first word ends the chunk`,
    '  when everything after it in the chunk is zero too (a reader reports non-zero bytes after it as damage and',
    '  resumes at the next valid record). Word 0 packs `kind` (bits 0-7), `words` (record size in 8-byte words,',
    '  bits 8-15), `check` (bits 16-31) and `site` (call-site id, bits 32-63); word 1 is `ts`. The payload starts at',
    '  byte 16. A writer fills the payload first and stores word 0 last, so a record is either complete or absent.',
    `  From version ${C.crcFromMajor}, \`words\` must be the kind's size exactly (a string: 3 + ceil(len / 8)) unless the file's`,
    "  minor version is newer than the reader's.",
    `- **File end** (version ${C.crcFromMajor}): a cleanly closed file ends with a chunk table (one ${C.chunkEntryBytes}-byte \`chunk_entry\` per`,
    `  chunk) and a ${C.fileEndBytes}-byte \`file_end\` (magic \`${C.endMagic}\`), so the file size is`,
    `  \`header_bytes + chunks * (chunk_bytes + ${C.chunkEntryBytes}) + ${C.fileEndBytes}\`. The reader holds every chunk against its entry:`,
    '  fewer valid records than the entry states, a zeroed or damaged chunk header, or a missing chunk is reported with',
    '  its offset and the number of records lost. A file without a valid end (cut anywhere, or its recorder was',
    '  killed) is read as far as it goes and reported as incomplete (`no_file_end`). Records a thread finished after',
    '  the table was taken lie past `used_bytes` and are read normally.',
    `- **Checks** (version ${C.crcFromMajor}): every \`check\` (records, file and chunk headers, \`file_end\`, and \`table_check\``,
    `  over the chunk table) is a CRC-16: reflected polynomial 0x${C.crc16PolyReflected.toString(16).toUpperCase()} (x^16 + x^12 + x^5 + 1),`,
    `  initial value 0x${C.crc16Init.toString(16).toUpperCase()}, no final xor, over the checked bytes in file order with the check bits zeroed`,
    '  (`mpst_check16` in the C header). It detects every error of 1 to 3 bits in a record of up to 255 words.',
    '  A reader that meets a bad check reports the byte offset and scans forward for the next valid record.',
    '- **Version 1** files (still read) have no file end and use another check: `x = 0x811C9DC5; for each u32 word w:',
    '  x = rotl(x, 5) ^ w; x *= 0x9E3779B1; check = (x ^ x >> 16) & 0xFFFF`. A cut at a chunk boundary or a zeroed',
    "  range at the end of a chunk's records cannot be detected in them.",
    '- **Strings** (kernel names, call-site symbols, thread names) are interned: a `string` record defines an id once;',
    '  `str` fields hold that id (0 = none).',
    '- **Fields** keep declaration order with natural alignment; each kind has a fixed size. The loader stores payload',
    `  words in columns \`p0\`..\`p${C.maxPayloadWords - 1}\` of \`raw_events\`, and \`ev_<kind>\` views unpack them.`,
    '',
  );
  for (const h of layOutHeaders(schema)) {
    L.push(
      `### \`${h.name}\` (${h.bytes} bytes)`,
      '',
      h.doc,
      '',
      '| field | type | offset | unit / enum | notes |',
      '|---|---|---|---|---|',
    );
    for (const f of h.fields) {
      const unit = f.enum ? `enum \`${f.enum}\`` : f.flags ? `flags \`${f.flags}\`` : (f.unit ?? '');
      L.push(`| \`${f.name}\` | ${f.type} | ${f.offset} | ${unit} | ${f.doc ?? ''} |`);
    }
    L.push('');
  }
  L.push('## Flags', '');
  for (const [set, f] of Object.entries(schema.flags)) {
    L.push(
      `- \`${set}\`: ${f.doc} ${Object.entries(f.bits)
        .map(([n, b]) => `bit ${b.bit} \`${n}\`${b.doc ? ` (${b.doc})` : ''}`)
        .join(', ')}`,
    );
  }
  L.push('', '## Enums', '');
  for (const [name, e] of Object.entries(schema.enums)) {
    L.push(
      `- \`${name}\`: ${e.doc} ${Object.entries(e.values)
        .map(([n, v]) => `\`${n}\`=${v}`)
        .join(', ')}`,
    );
  }
  L.push('', '## Record kinds', '', "Every record also carries `ts` (ns), the chunk's thread id and `site` (call-site id).", '');
  for (const k of kinds) {
    L.push(`### \`${k.name}\` (kind ${k.id}, ${k.words * 8} bytes${k.variable ? ' + string bytes' : ''}, view \`ev_${k.name}\`)`, '');
    if (k.doc) L.push(k.doc, '');
    if (k.fields.length === 0) {
      L.push('No fields.', '');
      continue;
    }
    L.push('| field | type | offset | unit / enum | notes |', '|---|---|---|---|---|');
    for (const f of k.fields) {
      const unit = f.enum ? `enum \`${f.enum}\`` : f.flags ? `flags \`${f.flags}\`` : f.type === 'str' ? 'string id' : (f.unit ?? '');
      L.push(`| \`${f.name}\` | ${f.type} | ${f.offset} | ${unit} | ${f.doc ?? ''} |`);
    }
    L.push('');
  }
  return L.join('\n');
}

export const GENERATED_FILES = [
  'instrumentation/include/mpstrace_format.h',
  'src/format/schema.generated.ts',
  'src/ingest/views.generated.sql',
  'docs/FORMAT.md',
  'instrumentation/include/mpstrace.h',
  'instrumentation/runtime/mpst_api.generated.h',
  'instrumentation/python/mpstrace/_schema.py',
] as const;

export function generateAll(root: string): Map<string, string> {
  const schema = loadSchema(path.join(root, 'instrumentation/schema/events.json'));
  const kinds = layOut(schema);
  return new Map<string, string>([
    [GENERATED_FILES[0], cHeader(schema, kinds)],
    [GENERATED_FILES[1], tsModule(schema, kinds)],
    [GENERATED_FILES[2], sqlViews(schema, kinds)],
    [GENERATED_FILES[3], markdown(schema, kinds)],
    [GENERATED_FILES[4], cPublicHeader(schema, BANNER)],
    [GENERATED_FILES[5], cImplPrototypes(schema, BANNER)],
    [GENERATED_FILES[6], pythonModule(schema, kinds, BANNER)],
  ]);
}

/** Files whose committed content differs from what the schema generates. */
export function staleFiles(root: string): string[] {
  const stale: string[] = [];
  for (const [rel, text] of generateAll(root)) {
    let old = '';
    try {
      old = readFileSync(path.join(root, rel), 'utf8');
    } catch {
      /* missing counts as stale */
    }
    if (old !== text) stale.push(rel);
  }
  return stale;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  if (process.argv.includes('--check')) {
    const stale = staleFiles(root);
    if (stale.length) {
      console.error(`stale generated files (run \`npm run gen\`): ${stale.join(', ')}`);
      process.exit(1);
    }
  } else {
    for (const [rel, text] of generateAll(root)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
      console.error(`wrote ${rel}`);
    }
  }
}
