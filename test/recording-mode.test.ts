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
    expect(JSON.parse(r.out).recording).toMatchObject({ completions: 'every', mode: 'cupti', submissions: 10, completion_records: 10 });
    expect(cli('info', trace('every2.mpst', P.cupti_completions | P.driver_api_covered, 10)).out).toMatch(
      /^ {2}mode {5}cupti \(every kernel/m,
    );
  });

  it('sampled completions: info names the mode, the share with GPU times and what is undercounted', () => {
    const file = trace('sampled.mpst', P.cupti_completions | P.completions_sampled, 2);
    const j = JSON.parse(cli('info', file, '--json').out);
    expect(j.recording).toMatchObject({ completions: 'sampled', mode: 'sampled', submissions: 10, completion_records: 2 });
    expect(j.recording.cannot_show).toMatch(
      /incomplete-device-sync \(late-completion, partial-sync\) counts only work that has a completion/,
    );
    expect(j.recording.shows).toMatch(/about 20\.0 % of submissions; MPSTRACE_COMPLETIONS=sampled, duty MPSTRACE_CUPTI_SAMPLE/);
    expect(j.recording.cannot_show).toMatch(/outside the windows.*undercounted/);
    const text = cli('info', file).out;
    expect(text).toMatch(/^recording {2}sampled GPU completions: 2 completion records for 10 GPU submissions$/m);
    expect(text).toMatch(/^ {2}cannot {3}GPU times of work submitted outside the windows/m);
    expect(text).toMatch(/^ {2}mode {5}sampled \(`--completions sampled`/m);
    const m = cli('metrics', file, '--json');
    expect(m.out).toMatch(/GPU completions were sampled \(MPSTRACE_CUPTI_SAMPLE\)/);
  });

  it('host only (MPSTRACE_CUPTI=0): info says GPU times are missing and why', () => {
    const file = trace('host.mpst', 0, 0);
    const text = cli('info', file).out;
    expect(text).toMatch(/^recording {2}host only \(no GPU completions\): 0 completion records for 10 GPU submissions$/m);
    expect(text).toMatch(/no GPU start\/end.*recorded with MPSTRACE_CUPTI=0, or CUPTI was unavailable/);
    expect(text).toMatch(/^ {2}mode {5}no CUPTI \(MPSTRACE_CUPTI=0/m);
    expect(cli('metrics', file, '--json').out).not.toMatch(/were sampled/);
  });

  it('analyze names what the completion rules cannot see in a sampled or completion-less trace, and nothing otherwise', () => {
    const sampled = cli('analyze', trace('a-sampled.mpst', P.cupti_completions | P.completions_sampled, 2));
    expect(sampled.out).toMatch(
      /^note: incomplete-device-sync: this trace has GPU completions only for work submitted inside sampling windows \(--completions sampled\): pending GPU work is known only from its completion record/m,
    );
    const off = JSON.parse(cli('analyze', trace('a-off.mpst', P.driver_api_covered, 0), '--json').out);
    expect(off.limits).toEqual([
      {
        rule: 'incomplete-device-sync',
        completions: 'none',
        message: expect.stringMatching(/^this trace has no GPU completions \(--completions off\): /),
      },
    ]);
    const every = JSON.parse(cli('analyze', trace('a-every.mpst', P.cupti_completions | P.driver_api_covered, 10), '--json').out);
    expect(every.limits).toBeUndefined();
    // a rule that does not judge completions says nothing
    expect(JSON.parse(cli('analyze', trace('a-off2.mpst', 0, 0), '--json', '--rules', 'hang').out).limits).toBeUndefined();
  });

  it('completions off (CUPTI callbacks only, MPSTRACE_COMPLETIONS=off): told apart from no CUPTI by driver-API coverage', () => {
    const file = trace('off.mpst', P.driver_api_covered, 0);
    const j = JSON.parse(cli('info', file, '--json').out);
    expect(j.recording).toMatchObject({ completions: 'none', mode: 'off', completion_records: 0 });
    expect(j.recording.cannot_show).toMatch(/incomplete-device-sync .*missed.*recorded with MPSTRACE_COMPLETIONS=off\)$/);
    expect(cli('info', file).out).toMatch(/^ {2}mode {5}off \(`--completions off`/m);
  });
});
