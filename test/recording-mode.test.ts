// `info` says how GPU completions were recorded (every one, sampled, none)
// and what the trace can and cannot show because of it; `metrics` warns that
// GPU busy time of a sampled trace covers only the sampling windows.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TraceWriter } from '../src/format/writer.js';
import { FLAGS } from '../src/format/kinds.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'mpst-mode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MS = 1_000_000;

/** 10 launches on one stream, a GPU completion for the first `completed` of them. */
function trace(name: string, flags: number, completed: number): string {
  const w = new TraceWriter({ backend: 'cuda', chunkBytes: 4096, pid: 77 });
  w.record(1, 'process_start', MS, { pid: 77, backend: 'cuda', recorder: 'mpstrace-cuda 0.1.0', flags });
  for (let i = 0; i < 10; i++) {
    w.record(1, 'submit', 2 * MS + i * MS, { stream: 0x51, name: 'k', corr: i + 1 });
    if (i < completed) w.record(9, 'complete', 2 * MS + i * MS + 100_000, { corr: i + 1, error: 0, dur_ns: 500_000 });
  }
  w.record(1, 'process_end', 20 * MS, { status: 0, reason: 'exit' });
  const file = path.join(dir, name);
  w.writeFile(file);
  return file;
}

function cli(...args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mpstrace.js'), ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

const P = FLAGS.process;

describe('recording mode in info and metrics', () => {
  it('every completion (CUPTI): says so, and that nothing the rules need is missing', () => {
    const r = cli('info', trace('every.mpst', P.cupti_completions | P.driver_api_covered, 10), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).recording).toMatchObject({ completions: 'every', submissions: 10, completion_records: 10 });
  });

  it('sampled completions: info names the mode, the share with GPU times and what is undercounted', () => {
    const file = trace('sampled.mpst', P.cupti_completions | P.completions_sampled, 2);
    const j = JSON.parse(cli('info', file, '--json').out);
    expect(j.recording).toMatchObject({ completions: 'sampled', submissions: 10, completion_records: 2 });
    expect(j.recording.shows).toMatch(/about 20\.0 % of submissions, MPSTRACE_CUPTI_SAMPLE/);
    expect(j.recording.cannot_show).toMatch(/outside the windows.*undercounted/);
    const text = cli('info', file).out;
    expect(text).toMatch(/^recording {2}sampled GPU completions: 2 completion records for 10 GPU submissions$/m);
    expect(text).toMatch(/^ {2}cannot {3}GPU times of work submitted outside the windows/m);
    const m = cli('metrics', file, '--json');
    expect(m.out).toMatch(/GPU completions were sampled \(MPSTRACE_CUPTI_SAMPLE\)/);
  });

  it('host only (MPSTRACE_CUPTI=0): info says GPU times are missing and why', () => {
    const file = trace('host.mpst', 0, 0);
    const text = cli('info', file).out;
    expect(text).toMatch(/^recording {2}host only \(no GPU completions\): 0 completion records for 10 GPU submissions$/m);
    expect(text).toMatch(/no GPU start\/end.*recorded with MPSTRACE_CUPTI=0, or CUPTI was unavailable/);
    expect(cli('metrics', file, '--json').out).not.toMatch(/were sampled/);
  });
});
