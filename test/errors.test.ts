import { describe, expect, it } from 'vitest';
import { describeError, EXIT_BAD_INPUT, EXIT_INTERNAL, UserError } from '../src/util/errors.js';

describe('describeError: every error the CLI sees becomes one line and a documented code', () => {
  it('system errors name the path and what to do, exit 2', () => {
    const e = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: '/x/y.json' });
    const d = describeError(e);
    expect(d.exitCode).toBe(EXIT_BAD_INPUT);
    expect(d.message).toBe('/x/y.json: cannot write (ENOSPC): no space left on the device; free space or write somewhere else');
  });

  it('DuckDB file trouble is exit 2 with the cache advice', () => {
    const d = describeError(new Error('IO Error: Could not set lock on file "/t.duckdb": Conflicting lock is held\nmore'));
    expect(d.exitCode).toBe(EXIT_BAD_INPUT);
    expect(d.message).not.toContain('\n');
    expect(d.message).toMatch(/delete the cache and run again/);
    // a damaged block found mid-query arrives wrapped by the detector runner
    const wrapped = describeError(
      new Error(
        "detector 'context' (q.sql) failed: IO Error: Corrupt database file: computed checksum 1 does not match stored checksum 2 in block at location 798720",
      ),
    );
    expect(wrapped.exitCode).toBe(EXIT_BAD_INPUT);
  });

  it('DuckDB over its memory limit is exit 3 with the limit to raise, not a bug report', () => {
    const d = describeError(
      new Error('Out of Memory Error: failed to pin block of size 256.0 KiB (953.6 MiB/953.6 MiB used)\n\nPossible solutions:'),
    );
    expect(d.exitCode).toBe(EXIT_INTERNAL);
    expect(d.message).not.toContain('\n');
    expect(d.message).toMatch(/^Out of Memory Error: .*; DuckDB ran out of its memory limit .*MPSTRACE_MEMORY_LIMIT=4GB/);
    expect(d.message).not.toMatch(/bug/);
  });

  it('anything else is exit 3, one line, asking for --debug', () => {
    const d = describeError(new TypeError('x is undefined\n  at foo'));
    expect(d).toEqual({ exitCode: EXIT_INTERNAL, message: expect.stringMatching(/^unexpected failure: x is undefined\. .*--debug/) });
    expect(describeError(new UserError('bad', 2))).toEqual({ message: 'bad', exitCode: 2 });
  });
});
