import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleFiles } from '../src/schema/generate.js';
import { apiEntries } from '../src/schema/api.js';
import { layOut, layOutHeaders, loadSchema } from '../src/schema/layout.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const schemaPath = path.join(root, 'instrumentation/schema/events.json');

describe('event schema', () => {
  it('generated files match the schema (run `npm run gen` after editing events.json)', () => {
    expect(staleFiles(root)).toEqual([]);
  });

  it('refuses a field named like a column every view already has', () => {
    const schema = loadSchema(schemaPath);
    schema.kinds[0]!.fields.push({ name: 'tid', type: 'u64' });
    expect(() => layOut(schema)).toThrow(/process_start\.tid: field name is reserved/);
  });

  it('refuses a header field that would need implicit padding', () => {
    const schema = loadSchema(schemaPath);
    schema.headers.chunk_header!.fields.splice(1, 0, { name: 'oops', type: 'u8' });
    expect(() => layOutHeaders(schema)).toThrow(/chunk_header\.index at offset 5 is not 4-byte aligned/);
  });

  it('refuses an annotation parameter with an unknown type or enum', () => {
    const schema = loadSchema(schemaPath);
    schema.annotations.entries.push({ name: 'x', params: ['int mode no_such_enum'] });
    expect(() => apiEntries(schema)).toThrow(/annotation x\.mode: unknown enum no_such_enum/);
    schema.annotations.entries.pop();
    schema.annotations.entries.push({ name: 'y', params: ['float f'] });
    expect(() => apiEntries(schema)).toThrow(/annotation y: bad parameter 'float f'/);
  });

  it('the recorder defines exactly the annotation entry points of the table', () => {
    const src = readFileSync(path.join(root, 'instrumentation/runtime/mpst_annotate.c'), 'utf8');
    const defined = [...src.matchAll(/^MPST_EXPORT \w+ mpstrace_impl_(\w+)\(/gm)].map((m) => m[1]).sort();
    const table = apiEntries(loadSchema(schemaPath))
      .map((e) => e.name)
      .sort();
    expect(defined).toEqual(table);
  });
});
