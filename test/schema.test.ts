import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateAll, staleFiles } from '../src/schema/generate.js';
import { layOut, loadSchema } from '../src/schema/layout.js';
import { KINDS } from '../src/format/schema.generated.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('event schema', () => {
  it('generated files match the schema (run `npm run gen` after editing events.json)', () => {
    expect(staleFiles(root)).toEqual([]);
  });

  it('every fixed-size kind fits the raw table and is 8-byte aligned', () => {
    const kinds = layOut(loadSchema(path.join(root, 'instrumentation/schema/events.json')));
    for (const k of kinds) {
      expect(k.words - 2).toBeLessThanOrEqual(5);
      for (const f of k.fields) expect(f.offset % f.bytes).toBe(0);
    }
  });

  it('refuses a field named like a column every view already has', () => {
    const schema = loadSchema(path.join(root, 'instrumentation/schema/events.json'));
    schema.kinds[0]!.fields.push({ name: 'tid', type: 'u64' });
    expect(() => layOut(schema)).toThrow(/process_start\.tid: field name is reserved/);
  });

  it('TS tables agree with the C header sizes', () => {
    const header = generateAll(root).get('instrumentation/include/mpstrace_format.h')!;
    for (const k of KINDS) {
      const m = header.match(new RegExp(`#define MPST_WORDS_${k.name.toUpperCase()} (\\d+)`));
      expect(m, k.name).not.toBeNull();
      expect(Number(m![1])).toBe(k.words);
    }
  });
});
