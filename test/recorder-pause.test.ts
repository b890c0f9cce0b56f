// The `pause` annotation (bench/cuda/overhead.py --paired): while hooks are
// paused nothing of the program is recorded, on any thread, and every call
// still goes through; recording resumes where it left off; markers name each
// change. No CUPTI here (CI has no GPU): the CUPTI parts only change flags.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { buildRecorder, canBuild, cleanup, load, runTraced, tempDir, type Built, type Rec } from './recorder-util.js';

describe.skipIf(!canBuild)('recorder pause (stand-in libcudart)', () => {
  let b: Built;
  let recs: Rec[];
  let str: (id: number | bigint) => string | undefined;
  let stdout: string;

  afterAll(cleanup);
  beforeAll(() => {
    b = buildRecorder();
    const out = path.join(tempDir(), 'pause.mpst');
    const r = runTraced(b, 'drv_pause', [], out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    stdout = r.stdout;
    ({ recs, str } = load(out));
  }, 120_000);

  const of = (kind: string) => recs.filter((r) => r.kind === kind);

  it('returns the parts paused before each call', () => {
    expect(stdout.match(/^prev \d+$/gm)).toEqual(['prev 0', 'prev 15', 'prev 10', 'prev 0']);
  });

  it('calls through to libcudart while paused', () => {
    expect(stdout).toContain('cudaLaunchKernel 5');
    expect(stdout).toContain('cudaStreamSynchronize 5');
  });

  it('records nothing of the program while hooks are paused, on any thread, and resumes after', () => {
    expect(of('submit').map((r) => str(r.f.name!))).toEqual(['mpst_k_before', 'mpst_k_flush_only', 'mpst_k_after']);
    expect(of('sync_begin')).toHaveLength(3);
    expect(of('sync_end')).toHaveLength(3);
    // the thread started while paused wrote nothing at all
    const threads = new Set(recs.filter((r) => r.kind !== 'string' && r.kind !== 'callsite').map((r) => r.tid));
    expect(threads.size).toBe(1);
  });

  it('names each change with a marker, in order, between the records it separates', () => {
    const seq = recs.filter((r) => r.kind === 'marker' || r.kind === 'submit').map((r) => str(r.f.name!));
    expect(seq).toEqual([
      'mpst_k_before',
      'mpstrace.pause hooks+completions+callbacks+flush',
      'mpstrace.pause completions+flush',
      'mpst_k_flush_only',
      'mpstrace.pause none',
      'mpst_k_after',
    ]);
    // the annotation made while paused was not written
    expect(of('marker').some((r) => str(r.f.name!) === 'not written')).toBe(false);
  });
});
