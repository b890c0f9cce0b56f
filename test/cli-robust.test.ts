// Odd values, odd files and odd plumbing must never reach "internal error": each case
// here ended in a stack and exit 70 (or a hang) before; now it is exit 0 with a warning
// that has the offset, or exit 2 with one line that says what to do.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TraceWriter } from '../src/format/writer.js';
import { readTrace } from '../src/format/reader.js';
import { KINDS } from '../src/format/kinds.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'mpstrace.js');
const dir = mkdtempSync(path.join(tmpdir(), 'mpst-robust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  out: string;
  err: string;
}
function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
/** Runs the CLI through a shell (pipes, redirections). */
function sh(cmd: string): Run {
  const r = spawnSync('bash', ['-c', cmd], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, M: `${process.execPath} ${bin}` },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
const noStack = (r: Run) => {
  expect(r.err).not.toMatch(/internal error|\n\s+at /);
  expect(r.err.trim().split('\n').length).toBeLessThanOrEqual(2);
};

/** A small real-looking program: launches with completions, a sync, on two threads. */
function program(w: TraceWriter, from = 1000): void {
  w.record(1, 'process_start', from, { pid: 1, backend: 'cuda', recorder: 'test' });
  for (let i = 0; i < 20; i++) {
    w.record(1, 'submit', from + 10 * i, { stream: 7, name: `k${i % 3}`, corr: i + 1 });
    w.record(2, 'complete', from + 10 * i + 5, { corr: i + 1, error: 0, dur_ns: 4 });
  }
}

const smallTrace = path.join(dir, 'small.mpst');
{
  const w = new TraceWriter({ backend: 'cuda' });
  program(w);
  w.writeFile(smallTrace);
}

describe('extreme values in records', () => {
  const cases: [string, bigint][] = [
    ['max', 0x7fffffffffffff00n],
    ['min', -0x7fffffffffffff00n],
  ];
  for (const [name, ts] of cases) {
    it(`a timestamp near INT64 ${name} is a warning with its offset; analyze, report and export exit 0`, () => {
      const w = new TraceWriter({ backend: 'cuda' });
      program(w);
      w.record(2, 'complete', ts, { corr: 3, error: 0, dur_ns: 4 });
      w.record(1, 'submit', 2000, { stream: 7, name: 'after', corr: 99 });
      const file = path.join(dir, `ts-${name}.mpst`);
      w.writeFile(file);
      const d = readTrace(file);
      const warn = d.warnings.find((x) => x.code === 'bad_timestamp');
      expect(warn?.offset).toBeGreaterThan(64);
      expect(warn?.message).toContain(`offset ${warn?.offset}`);
      // kept in place with its thread's previous time, so the span stays the program's
      expect(d.records.every((r) => r.ts >= 1000n && r.ts <= 2000n)).toBe(true);
      const a = cli('analyze', file, '--json');
      expect(a.code, a.err).toBe(0);
      expect(JSON.parse(a.out).trace.warnings.map((x: { code: string }) => x.code)).toContain('bad_timestamp');
      expect(cli('report', file, '-o', path.join(dir, `ts-${name}.html`)).code).toBe(0);
      expect(cli('export', file, '--format', 'chrome', '-o', path.join(dir, `ts-${name}.json`)).code).toBe(0);
      expect(cli('metrics', file).code).toBe(0);
    });
  }

  it('every 64-bit field of every kind at INT64 max and min: no command fails', () => {
    for (const [name, v] of [
      ['max', 0x7fffffffffffffffn],
      ['min', -0x8000000000000000n],
    ] as const) {
      const w = new TraceWriter({ backend: 'cuda' });
      program(w);
      let ts = 3000;
      for (const k of KINDS) {
        if (k.variable || k.name === 'callsite') continue;
        for (const f of k.fields) {
          if (f.bytes !== 8 || f.type === 'str') continue;
          const fields: Record<string, number | bigint> = {};
          for (const g of k.fields) if (g.type !== 'str' && !g.enum) fields[g.name] = g.bytes === 8 ? 5 : 1;
          fields[f.name] = v;
          w.record(3, k.name, ts++, fields);
        }
      }
      const file = path.join(dir, `fields-${name}.mpst`);
      w.writeFile(file);
      for (const args of [
        ['analyze', file],
        ['report', file, '-o', path.join(dir, 'f.html')],
        ['export', file, '--format', 'chrome', '-o', path.join(dir, 'f.json')],
        ['metrics', file],
      ]) {
        const r = cli(...args);
        expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
      }
    }
    // eight command runs, each a process of its own: ~55 s on an idle 2-core machine, so
    // the default 60 s is no guard against a loaded one (a limit, not a timing assertion)
  }, 240_000);
});

describe('files that are not traces, and outputs that cannot be written', () => {
  it('a FIFO is refused at once, never waited on', () => {
    const fifo = path.join(dir, 'pipe.mpst');
    spawnSync('mkfifo', [fifo]);
    for (const args of [
      ['info', fifo],
      ['analyze', fifo],
      ['sql', fifo, 'SELECT 1'],
    ]) {
      const r = cli(...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/pipe\.mpst: is not a regular file|FIFO/);
      noStack(r);
    }
    expect(cli('info', '/dev/null')).toMatchObject({ code: 2, err: expect.stringMatching(/not a regular file|character device/) });
  });

  it('-o into a missing directory creates it; -o /dev/full is exit 2 with one line', () => {
    const out = path.join(dir, 'new', 'deeper', 'f.json');
    expect(cli('analyze', smallTrace, '--json', '-o', out).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).findings).toBeDefined();
    const full = cli('analyze', smallTrace, '-o', '/dev/full');
    expect(full.code).toBe(2);
    expect(full.err).toMatch(/ENOSPC/);
    noStack(full);
    const redirected = sh(`$M analyze ${smallTrace} > /dev/full`);
    expect(redirected.code).toBe(2);
    expect(redirected.err).toMatch(/stdout.*ENOSPC/);
    noStack(redirected);
    const rep = cli('report', smallTrace, '-o', '/dev/full');
    expect(rep.code).toBe(2);
    noStack(rep);
  });

  it('a closed pipe (| head -1) ends quietly with exit 0', () => {
    const big = path.join(dir, 'big.mpst');
    expect(cli('synth', '-o', big, '--events', '200000').code).toBe(0);
    const r = sh(`set -o pipefail; $M sql ${big} "SELECT * FROM raw_events" | head -1`);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').length).toBe(2);
  });

  it('a SQL error is exit 2 without a stack (the query excerpt with its caret is kept)', () => {
    const bad = cli('sql', smallTrace, 'SELECT * FROM no_such_tabel');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^mpstrace: SQL error: .*no_such_tabel/);
    expect(bad.err).not.toMatch(/internal error|unexpected failure|\n\s+at /);
  });
});

describe('--cache: keyed by content, safe when damaged or shared', () => {
  /** Two traces of the same size whose records differ (kernel durations). */
  function twin(name: string, dur: number): string {
    const w = new TraceWriter({ backend: 'cuda' });
    w.record(1, 'process_start', 1000, { pid: 1, backend: 'cuda', recorder: 'test' });
    for (let i = 0; i < 50; i++) {
      w.record(1, 'submit', 1000 + 10 * i, { stream: 7, name: 'k', corr: i + 1 });
      w.record(2, 'complete', 1000 + 10 * i + 5, { corr: i + 1, error: 0, dur_ns: dur });
    }
    const file = path.join(dir, name);
    w.writeFile(file);
    return file;
  }
  const sumDur = (r: Run) => JSON.parse(r.out)[0].s;

  it('a different trace with the same size and mtime is not answered from the old cache', () => {
    const a = twin('twin-a.mpst', 4);
    const b = twin('twin-b.mpst', 9);
    expect(statSync(a).size).toBe(statSync(b).size);
    const cache = path.join(dir, 'twin.mpst');
    writeFileSync(cache, readFileSync(a));
    utimesSync(cache, 1_700_000_000, 1_700_000_000);
    const q = 'SELECT sum(dur_ns)::BIGINT AS s FROM ev_complete';
    expect(sumDur(cli('sql', cache, q, '--json', '--cache'))).toBe(200);
    expect(existsSync(`${cache}.duckdb`)).toBe(true);
    writeFileSync(cache, readFileSync(b));
    utimesSync(cache, 1_700_000_000, 1_700_000_000);
    expect(sumDur(cli('sql', cache, q, '--json', '--cache'))).toBe(450);
    // the same content again is answered from the cache: it is not rewritten
    const saved = statSync(`${cache}.duckdb`).mtimeMs;
    expect(sumDur(cli('sql', cache, q, '--json', '--cache'))).toBe(450);
    expect(statSync(`${cache}.duckdb`).mtimeMs).toBe(saved);
  });

  it('a damaged cache is rebuilt with a note, not an error', () => {
    const t = twin('dmg.mpst', 4);
    const cache = `${t}.duckdb`;
    for (const damage of [Buffer.from('not a database at all'), Buffer.alloc(0)]) {
      writeFileSync(cache, damage);
      const r = cli('analyze', t, '--cache', '--json');
      expect(r.code, r.err).toBe(0);
      noStack(r);
      expect(statSync(cache).size).toBeGreaterThan(4096);
    }
    // a cache given on its own (not as --cache) that is damaged: exit 2, one line
    writeFileSync(cache, 'garbage');
    const direct = cli('info', cache);
    expect(direct.code).toBe(2);
    noStack(direct);
  });

  it('--cache takes only a .duckdb name: `analyze --cache T` analyzes T', () => {
    const t = twin('order.mpst', 4);
    const r = cli('analyze', '--cache', t, '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).trace.path).toBe(t);
    expect(existsSync(`${t}.duckdb`)).toBe(true);
    const named = path.join(dir, 'named.duckdb');
    expect(cli('analyze', '--cache', named, t).code).toBe(0);
    expect(existsSync(named)).toBe(true);
    expect(cli('sql', t, 'SELECT 1', '--cache=x.db')).toMatchObject({ code: 2, err: expect.stringMatching(/\.duckdb/) });
  });

  it('concurrent --cache runs on one trace all succeed with the same answer', async () => {
    const t = path.join(dir, 'shared.mpst');
    expect(cli('synth', '-o', t, '--events', '150000', '--seed', '3').code).toBe(0);
    const runOnce = () =>
      new Promise<Run>((resolve) => {
        const p = spawn(process.execPath, [bin, 'sql', t, 'SELECT count(*)::BIGINT AS n FROM raw_events', '--json', '--cache'], {
          cwd: dir,
        });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
      });
    for (let round = 0; round < 2; round++) {
      const runs = await Promise.all([runOnce(), runOnce(), runOnce(), runOnce()]);
      for (const r of runs) {
        expect(r.code, r.err).toBe(0);
        noStack(r);
        expect(JSON.parse(r.out)[0].n).toBe(150000);
      }
    }
    // no temporary files left behind
    expect(readdirOf(dir).filter((n) => n.startsWith('shared.mpst.duckdb.'))).toEqual([]);
  });
});

function readdirOf(d: string): string[] {
  return spawnSync('ls', ['-a', d], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
}

describe('synth limits and streaming', () => {
  it('absurd sizes are refused with the limit, before anything is written', () => {
    for (const args of [
      ['--events', '1e12'],
      ['--events', '5000', '--threads', '100000'],
      ['--events', '5000', '--streams', '1e9'],
    ]) {
      const out = path.join(dir, 'absurd.mpst');
      const r = cli('synth', '-o', out, ...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/at most [\d,]+/);
      noStack(r);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('writes as it goes: the streamed file is byte-identical to the in-memory one', async () => {
    const { synthesize } = await import('../src/synth/generate.js');
    const out = path.join(dir, 'streamed.mpst');
    synthesize({ events: 60_000, seed: 4, threads: 3, streams: 2, output: out });
    const mem = synthesize({ events: 60_000, seed: 4, threads: 3, streams: 2 }).writer.toBuffer();
    expect(readFileSync(out).equals(mem)).toBe(true);
    expect(cli('synth', '-o', '-', '--events', '100')).toMatchObject({ code: 2, err: expect.stringMatching(/cannot go to stdout/) });
  });
});

describe('CLI plumbing (issue 13 item 7)', () => {
  it("-o/--output everywhere; record's old --out still works but is not shown", () => {
    for (const c of ['analyze', 'report', 'export', 'synth', 'record']) {
      const help = cli(c, '--help').out;
      expect(help, c).toMatch(/-o, --output <file>/);
      expect(help, c).not.toMatch(/--out </);
    }
    const out = path.join(dir, 'alias', 'a.json');
    expect(cli('analyze', smallTrace, '--json', '--out', out).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).findings).toBeDefined();
  });

  it('- is stdout: report -o -, export chrome -o -, analyze -o -, diff --markdown -', () => {
    const rep = cli('report', smallTrace, '-o', '-');
    expect(rep.code).toBe(0);
    expect(rep.out).toMatch(/^<!doctype html>/i);
    expect(existsSync(path.join(dir, '-'))).toBe(false);
    const ex = cli('export', smallTrace, '--format', 'chrome', '-o', '-');
    expect(JSON.parse(ex.out).traceEvents.length).toBeGreaterThan(0);
    expect(JSON.parse(cli('analyze', smallTrace, '--json', '-o', '-').out).findings).toBeDefined();
    const md = cli('diff', '--markdown', '-', smallTrace, '--', smallTrace);
    expect(md.code, md.err).toBe(0);
    expect(md.out).toMatch(/perf gate/);
    expect(existsSync(path.join(dir, '-'))).toBe(false);
    expect(cli('export', smallTrace, '--format', 'parquet', '-o', '-')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/stdout cannot take/),
    });
  });

  it('only documented exit codes: 0, 1, 2, 3, each listed in the README', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const code of ['0', '1', '2', '3']) expect(readme).toMatch(new RegExp(`\`${code}\` [a-z]`));
    expect(cli('info', path.join(dir, 'nope.mpst')).code).toBe(2);
    expect(cli('analyze').code).toBe(2);
  });
});

describe('a cache damaged inside its data blocks', () => {
  it('is exit 2 with what to do, never an unexpected failure', () => {
    const t = path.join(dir, 'blocks.mpst');
    expect(cli('synth', '-o', t, '--events', '20000', '--seed', '2').code).toBe(0);
    expect(cli('info', t, '--cache').code).toBe(0);
    const cache = `${t}.duckdb`;
    const bytes = readFileSync(cache);
    // overwrite every block past the file headers: whatever the analysis reads next is corrupt
    for (let i = 262144; i < bytes.length; i++) bytes[i] = (i * 131) & 0xff;
    writeFileSync(cache, bytes);
    const r = cli('analyze', t, '--cache');
    expect([0, 2]).toContain(r.code);
    if (r.code === 2) expect(r.err).toMatch(/delete the cache and run again/);
    expect(r.err).not.toMatch(/unexpected failure|internal error/);
  });
});
