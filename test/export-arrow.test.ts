import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { openTrace } from '../src/ingest/load.js';
import { arrowExporter } from '../src/export/arrow.js';
import { EXPORT_TABLES } from '../src/export/tables.js';
import { TraceWriter } from '../src/format/writer.js';
import { UserError } from '../src/util/errors.js';

const real = path.resolve('traces/cuda/pool/device_sync_buggy.mpst');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'mpst-arrow-'));
const read = (dir: string, name: string) => tableFromIPC(readFileSync(path.join(dir, `${name}.arrow`)));

describe('export --format arrow', () => {
  it('writes events, submissions, host_syncs and callsites that read back equal to the export queries (tables.ts)', async () => {
    const out = tmp();
    const msg = await arrowExporter([real], out);
    expect(msg).toMatch(/events \(\d+ rows\), submissions \(\d+ rows\), host_syncs \(\d+ rows\), callsites \(\d+ rows\)/);
    const t = await openTrace(real);
    try {
      for (const [name, sql] of Object.entries(EXPORT_TABLES)) {
        const expected = (await t.connection.runAndReadAll(sql)).getRowObjectsJS();
        const table = read(out, name);
        expect(table.numRows, name).toBe(expected.length);
        expect(table.numRows, name).toBeGreaterThan(0);
        // 64-bit handles and timestamps survive exactly; NULLs stay NULL
        const got = table.toArray().map((r) => r.toJSON());
        const cols = Object.keys(expected[0]!);
        for (let i = 0; i < expected.length; i++) {
          for (const c of cols) {
            const e = expected[i]![c];
            const g = got[i]![c];
            if (e === null || e === undefined) expect(g, `${name}[${i}].${c}`).toBeNull();
            else if (typeof e === 'bigint' || typeof e === 'number') expect(BigInt(g as bigint), `${name}[${i}].${c}`).toBe(BigInt(e));
            else expect(String(g), `${name}[${i}].${c}`).toBe(String(e));
          }
        }
      }
      const subs = read(out, 'submissions');
      expect(
        subs
          .getChild('gpu_end')!
          .toArray()
          .some((v: bigint) => v > 0n),
      ).toBe(true);
    } finally {
      t.close();
    }
  });

  it('keeps hostile kernel names as plain strings', async () => {
    const dir = tmp();
    const trace = path.join(dir, 'h.mpst');
    const w = new TraceWriter({ backend: 'cuda' });
    const evil = '<script>alert(1)</script>"\'';
    w.record(1, 'submit', 1000, { stream: 7, name: evil, corr: 1 });
    w.record(1, 'complete', 1500, { corr: 1, error: 0, dur_ns: 100 });
    w.writeFile(trace);
    const out = path.join(dir, 'out');
    await arrowExporter([trace], out);
    expect(read(out, 'submissions').getChild('name')!.get(0)).toBe(evil);
  });

  it('refuses several traces and a file as output directory', async () => {
    await expect(arrowExporter([real, real], tmp())).rejects.toThrow(UserError);
    const f = path.join(tmp(), 'file');
    writeFileSync(f, 'x');
    await expect(arrowExporter([real], f)).rejects.toThrow(/is a file; give a directory/);
  });
});
