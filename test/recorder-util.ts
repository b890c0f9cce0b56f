// Helpers for the recorder tests: build the recorder and its stand-in
// libcudart into a private directory, run a driver under LD_PRELOAD, and
// decode a trace into named fields with the project's TS reader.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTrace, type DecodedTrace } from '../src/format/reader.js';
import { KIND_BY_ID } from '../src/format/kinds.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** True where the recorder tests can run: Linux with cc and make. */
export const canBuild =
  process.platform === 'linux' && spawnSync('sh', ['-c', 'command -v cc && command -v make'], { stdio: 'ignore' }).status === 0;

export interface Built {
  dir: string;
  lib: string;
  prog: (name: string) => string;
}

/** Builds the library and test programs into a fresh temp dir (parallel test files must not share one). */
export function buildRecorder(): Built {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpst-build-'));
  made.push(dir);
  const r = spawnSync('make', ['-s', '-C', path.join(root, 'instrumentation'), 'test-build', `BUILD=${dir}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make test-build failed:\n${r.stdout}\n${r.stderr}`);
  return { dir, lib: path.join(dir, 'libmpstrace_cuda.so'), prog: (name) => path.join(dir, 'test', name) };
}

const made: string[] = [];

export function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'mpst-run-'));
  made.push(d);
  return d;
}

/** Removes the build and run directories this test file made (traces reach ~100 MB). */
export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Environment for a traced run: preload, output path, no CUPTI (no GPU here). */
export function tracedEnv(b: Built, out: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, LD_PRELOAD: b.lib, MPSTRACE_OUT: out, MPSTRACE_CUPTI: '0', ...extra };
}

export function runTraced(
  b: Built,
  prog: string,
  args: string[],
  out: string,
  extra: Record<string, string> = {},
): SpawnSyncReturns<string> {
  return spawnSync(b.prog(prog), args, { env: tracedEnv(b, out, extra), encoding: 'utf8', timeout: 30_000 });
}

export interface Rec {
  kind: string;
  ts: bigint;
  tid: bigint;
  site: number;
  /** Field values: numbers for fields up to 32 bits, bigints for 64-bit fields. */
  f: Record<string, number | bigint>;
}

export function decodeRecords(t: DecodedTrace): Rec[] {
  return t.records.map((r) => {
    const def = KIND_BY_ID.get(r.kind);
    const f: Record<string, number | bigint> = {};
    for (const fd of def?.fields ?? []) {
      const word = BigInt.asUintN(64, r.p[fd.word] ?? 0n);
      let v = (word >> BigInt(fd.shift)) & ((1n << BigInt(fd.bytes * 8)) - 1n);
      if (fd.signed) v = BigInt.asIntN(fd.bytes * 8, v);
      f[fd.name] = fd.bytes === 8 ? v : Number(v);
    }
    return { kind: def?.name ?? `kind${r.kind}`, ts: r.ts, tid: r.tid, site: r.site, f };
  });
}

export function load(file: string): { trace: DecodedTrace; recs: Rec[]; str: (id: number | bigint) => string | undefined } {
  const trace = readTrace(file);
  return { trace, recs: decodeRecords(trace), str: (id) => trace.strings.get(Number(id)) };
}
