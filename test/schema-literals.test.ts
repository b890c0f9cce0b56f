// Format facts live in instrumentation/schema/events.json and reach C, TS, SQL
// and Python only through generated files (src/schema/generate.ts) and the SQL
// placeholders of src/format/bindSchema.ts. This test greps the hand-written
// sources for the literal copies that used to exist, so a new one fails here.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_FILES } from '../src/schema/generate.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED = ['src', 'instrumentation', 'bench', 'traces/programs', 'scripts', 'viz'];
const SKIP_DIRS = new Set(['node_modules', 'build', '__pycache__', 'test']);
const EXTS = /\.(ts|js|mjs|sql|c|h|m|py|sh)$/;
const generated = new Set<string>(GENERATED_FILES);

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(root, dir))) {
    const rel = `${dir}/${e}`;
    if (SKIP_DIRS.has(e)) continue;
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...files(rel));
    else if (EXTS.test(e) && !generated.has(rel)) out.push(rel);
  }
  return out;
}

/** [what, which files, pattern]: each pattern is a way a copy of the schema was written by hand. */
const COPIES: [string, RegExp, RegExp][] = [
  ['a kind id compared in SQL (use {{kind.<name>}})', /\.(sql|ts)$/, /\bkind\s*(=|<>|!=|IN|NOT IN)\s*\(?\s*\d/],
  [
    'a payload mask on raw_events columns (use {{field.<kind>.<name>}})',
    /\.(sql|ts)$/,
    /\bp[0-4]\s*(>>\s*\d+\s*\)?\s*)?&\s*(255|65535|4294967295)\b/,
  ],
  ['the file magic (use CONTAINER.fileMagic / MPST_FILE_MAGIC)', /\.(ts|js|mjs|py|c|h|m)$/, /(['"]|b")MPSTRACE['"]/],
  ['the chunk magic (use CONTAINER.chunkMagic / MPST_CHUNK_MAGIC)', /./, /MPCK|0x4b43504d/i],
  ['a kind-name table (use mpstrace/_schema.py KIND or src/format/kinds.ts)', /./, /\b\d+\s*:\s*['"](process_start|sync_begin|submit)['"]/],
  [
    'an annotation signature table (use _schema.ANNOTATIONS)',
    /\.py$/,
    /['"](slot_acquire|api_sync_begin|push_site|sync_begin|enabled)['"]\s*:\s*[[(]/,
  ],
  [
    'a process_start flag bit (use FLAGS.process / MPST_PROCESS_FLAG_*)',
    /./,
    /(processFlags|start_flags|proc_flags|\bpf)\s*(&|\|=?)\s*[1-9]\b|flags\s*\|?=\s*[1-9]\s*;/,
  ],
  [
    'a header field at a literal offset (use FILE_HEADER / CHUNK_HEADER)',
    /\.(ts|py)$/,
    /(get|set)(Uint|Int|BigInt)\d+\(\s*\d+|write(UInt|Int|BigInt)\d+LE\([^,]+,\s*\d+\)|unpack_from\([^,]+,\s*data,\s*\d+\)/,
  ],
  ['the non-timeline kinds (use ON_TIMELINE_SQL / {{kinds.non_timeline}})', /./, /\(9,\s*10\)|'9, 10'/],
];

describe('no hand-written copy of the schema', () => {
  const all = SCANNED.flatMap(files);

  it('scans the hand-written sources', () => {
    expect(all).toContain('src/format/reader.ts');
    expect(all).toContain('instrumentation/runtime/mpst_annotate.c');
    expect(all).not.toContain('src/format/schema.generated.ts');
  });

  for (const [what, fileRe, re] of COPIES) {
    it(`has no ${what}`, () => {
      const hits: string[] = [];
      for (const f of all.filter((x) => fileRe.test(x))) {
        readFileSync(path.join(root, f), 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (re.test(line)) hits.push(`${f}:${i + 1}: ${line.trim()}`);
          });
      }
      expect(hits).toEqual([]);
    });
  }
});
