// The recorder never harms the program it traces (issue 17 item 1): a program
// that closes or replaces every descriptor and then opens a file of its own
// keeps that file intact and exits normally; a trace file truncated under the
// recorder, a file size limit and a full disk cost records (counted and warned
// with the reason), never the program, and sizes stay honest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { TraceReader } from '../src/format/reader.js';
import { KIND_BY_NAME } from '../src/format/kinds.js';
import { buildRecorder, canBuild, cleanup, tempDir, tracedEnv, type Built } from './recorder-util.js';

const K = (name: string) => KIND_BY_NAME.get(name)!.id;

interface Counted {
  records: number;
  lost: bigint;
  readerWarnings: string[];
  recorderWarnings: { what: number; err: number; value: bigint }[];
  closed: boolean;
}

/** Counts range_pop records, sums records_lost and collects recorder_warning records. */
function count(file: string): Counted {
  const r = TraceReader.open(file);
  try {
    let records = 0;
    let lost = 0n;
    const recorderWarnings: Counted['recorderWarnings'] = [];
    for (const b of r.batches()) {
      for (let i = 0; i < b.count; i++) {
        const k = b.kind[i]!;
        if (k === K('range_pop')) records++;
        else if (k === K('records_lost')) lost += b.p[0][i]!;
        else if (k === K('recorder_warning')) {
          const p0 = BigInt.asUintN(64, b.p[0][i]!);
          recorderWarnings.push({ what: Number(p0 & 0xffffffffn), err: Number(BigInt.asIntN(32, p0 >> 32n)), value: b.p[1][i]! });
        }
      }
    }
    return { records, lost, readerWarnings: r.warnings.map((w) => w.code), recorderWarnings, closed: r.header.closedCleanly };
  } finally {
    r.close();
  }
}

const WARN = { fd_reopened: 1, file_lost: 2, grow_failed: 3, mapping_fault: 4 };

/** Can this machine mount a small tmpfs in a user namespace (`unshare -rm`)? */
const canMountTmpfs =
  process.platform === 'linux' &&
  spawnSync('unshare', ['-rm', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d"'], { stdio: 'ignore' })
    .status === 0;

describe.skipIf(!canBuild)('the recorder never harms the traced program', () => {
  let b: Built;
  afterAll(cleanup);
  beforeAll(() => {
    b = buildRecorder();
  }, 120_000);

  const run = (mode: string, extra: Record<string, string> = {}) => {
    const dir = tempDir();
    const out = path.join(dir, 'fd.mpst');
    const own = path.join(dir, 'own.txt');
    const r = spawnSync(b.prog('drv_fdclose'), [mode, own], { env: tracedEnv(b, out, extra), encoding: 'utf8', timeout: 30_000 });
    return { r, out, own };
  };

  // loop: close(3..limit); closefrom/close_range: libc; dup2: /dev/null over every open descriptor
  for (const mode of ['loop', 'closefrom', 'close_range', 'dup2']) {
    it(`${mode}: the program's own file stays exactly what it wrote, and the trace loses nothing`, () => {
      const { r, out, own } = run(mode);
      expect(r.stdout + r.stderr).toContain('ok size=6');
      expect(r.status).toBe(0); // was SIGBUS (135) and a 16,777,280-byte file before the descriptor was guarded
      expect(readFileSync(own, 'utf8')).toBe('hello\n');
      const c = count(out);
      expect(c).toMatchObject({ records: 2_001_000, lost: 0n, readerWarnings: [], recorderWarnings: [], closed: true });
    });
  }

  it('a raw close_range syscall (no libc wrapper to see it): the recorder notices, reopens its file and says so', () => {
    const { r, out, own } = run('sys_close_range');
    expect(r.status).toBe(0);
    expect(readFileSync(own, 'utf8')).toBe('hello\n');
    expect(r.stderr).toMatch(/mpstrace: the program closed or replaced the trace file's descriptor \d+; reopened .*fd\.mpst/);
    const c = count(out);
    expect(c.records).toBe(2_001_000);
    expect(c.lost).toBe(0n);
    expect(c.recorderWarnings.map((w) => w.what)).toEqual([WARN.fd_reopened]);
    expect(c.closed).toBe(true);
  });

  it('the trace file truncated under the recorder: the program goes on (the store that faults lands in scratch memory)', () => {
    const { r, own } = run('truncate');
    expect(r.signal).toBeNull(); // was SIGBUS
    expect(r.status).toBe(0);
    expect(readFileSync(own, 'utf8')).toBe('hello\n');
  });

  it('a file size limit (RLIMIT_FSIZE): no SIGXFSZ, an honest size, every record written or counted, the reason in the trace', () => {
    const dir = tempDir();
    const out = path.join(dir, 'fsize.mpst');
    // ulimit -f counts 1 KiB blocks: 2 MiB. Only the program is preloaded, not the shell.
    const { LD_PRELOAD, ...env } = tracedEnv(b, out);
    const r = spawnSync('sh', ['-c', `ulimit -f 2048 && LD_PRELOAD="${LD_PRELOAD}" exec "${b.prog('drv_stress')}" 4 1000000`], {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/cannot grow trace file .* \(File too large\); the trace keeps what it has/);
    expect(statSync(out).size).toBeLessThanOrEqual(2 << 20);
    const c = count(out);
    expect(BigInt(c.records) + c.lost).toBe(4_000_000n);
    expect(c.lost).toBeGreaterThan(0n);
    expect(c.recorderWarnings).toEqual([{ what: WARN.grow_failed, err: 27 /* EFBIG */, value: expect.any(BigInt) }]);
    expect(c.closed).toBe(true);
  });

  describe.skipIf(!canMountTmpfs)('full disks (a small tmpfs in a user namespace)', () => {
    const onTmpfs = (size: string) => {
      const dir = tempDir();
      const copy = path.join(dir, 'copy.mpst');
      // the trace lives on the tmpfs; the shell copies it out before the namespace ends
      // (only the program is preloaded, not unshare, the shell or the tools it runs)
      const script = `d=$(mktemp -d) && mount -t tmpfs -o size=${size} tmpfs "$d" && LD_PRELOAD="${b.lib}" MPSTRACE_OUT="$d/t.mpst" "$@"; rc=$?; stat -c %s "$d/t.mpst"; cp "$d/t.mpst" "${copy}"; exit $rc`;
      const { LD_PRELOAD: _, ...env } = tracedEnv(b, '/nonexistent/overridden.mpst');
      const r = spawnSync('unshare', ['-rm', 'sh', '-c', script, 'sh', b.prog('drv_stress'), '4', '1000000'], {
        env,
        encoding: 'utf8',
        timeout: 30_000,
      });
      return { r, copy, size: Number(r.stdout.trim().split('\n').pop()) };
    };

    for (const [size, limit] of [
      ['1m', 1 << 20],
      ['12m', 12 << 20],
    ] as const) {
      it(`${size}: a readable trace no bigger than the disk, the real errno, every record written or counted`, () => {
        const { r, copy, size: bytes } = onTmpfs(size);
        expect(r.status).toBe(0);
        // was "cannot grow trace file (Success)" with a 0-byte file (1m), and a file claiming 4.29 GB (12m)
        expect(r.stderr).toMatch(/cannot grow trace file .* \(No space left on device\)/);
        expect(r.stderr).not.toContain('(Success)');
        expect(bytes).toBeGreaterThan(0);
        expect(bytes).toBeLessThanOrEqual(limit);
        const c = count(copy);
        expect(BigInt(c.records) + c.lost).toBe(4_000_000n);
        expect(c.recorderWarnings.map((w) => [w.what, w.err])).toEqual([[WARN.grow_failed, 28 /* ENOSPC */]]);
        expect(c.closed).toBe(true);
      });
    }
  });
});
