/**
 * "Nothing captured" is never silent: a trace of a process in which the
 * recorder saw no backend call (no stream, event, launch, copy, sync...) gets a
 * `no_backend_calls` warning that says why that likely is and what to do.
 * The recorder's process flags tell the cases apart where it wrote them
 * (driver_checked): no GPU use at all, a CUDA runtime the recorder could not
 * see (linked statically where the driver-entry capture is unavailable), or a
 * wrapper process (shim, env, shell launcher) that exec'd the real program.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { TraceWarning } from '../format/reader.js';
import { FLAGS, KIND, KINDS } from '../format/kinds.js';

/** Kind groups written by backend hooks (not annotations, not process/thread bookkeeping). */
export const BACKEND_GROUPS = ['stream', 'event', 'gpu', 'sync', 'memory'] as const;
/** Kind groups written by annotations (the program's own statements of intent). */
const ANNOTATION_GROUPS: readonly string[] = ['intent', 'slot', 'torch', 'object'];

export interface CaptureFacts {
  backend_calls: number;
  annotations: number;
  execs: string[];
  forks: number;
  process_flags: number;
}

/**
 * The facts, counted from the decoder's records per kind (`byKind`, index = kind id):
 * no scan of raw_events. The exec paths and process flags are read from the tables
 * only where the warning can use them (no backend call recorded).
 */
export async function captureFacts(conn: DuckDBConnection, byKind: ArrayLike<number>): Promise<CaptureFacts> {
  const backendGroups: readonly string[] = BACKEND_GROUPS;
  let backend = 0;
  let annotations = 0;
  for (const k of KINDS) {
    const n = byKind[k.id] ?? 0;
    if (backendGroups.includes(k.group)) backend += n;
    else if (ANNOTATION_GROUPS.includes(k.group)) annotations += n;
  }
  const forks = byKind[KIND.fork] ?? 0;
  let execs: string[] = [];
  let processFlags = 0;
  if (backend === 0) {
    if (byKind[KIND.exec])
      execs = (await conn.runAndReadAll('SELECT path FROM ev_exec ORDER BY ts')).getRowObjects().map((x) => String(x.path ?? '?'));
    if (byKind[KIND.process_start]) {
      const ps = (await conn.runAndReadAll('SELECT flags FROM ev_process_start ORDER BY ts LIMIT 1')).getRowObjects()[0];
      processFlags = ps ? Number(ps.flags) : 0;
    }
  }
  return { backend_calls: backend, annotations, execs, forks, process_flags: processFlags };
}

/** The warning for a trace without backend calls, or none. */
export function captureWarning(f: CaptureFacts, backend: string, synthetic: boolean): TraceWarning | undefined {
  if (synthetic || f.backend_calls > 0) return undefined;
  const api = backend === 'metal' ? 'Metal' : 'CUDA';
  const head = `no ${api} call was recorded in this process${f.annotations ? ` (only ${f.annotations} annotation records)` : ''}`;
  const reasons: string[] = [];
  if (f.execs.length) {
    reasons.push(
      `this process exec'd ${f.execs.map((p) => `'${p}'`).join(', ')}: a wrapper (shim, env, shell launcher) was traced instead of the program; ` +
        `the program's own trace is the <name>.<pid>.exec<N>.mpst file next to this one (\`mpstrace record\` follows execs and summarizes the process that did GPU work)`,
    );
  } else if (f.forks) {
    reasons.push(`it forked ${f.forks} child process(es): the GPU work may be in their traces (<name>.<pid>.mpst next to this one)`);
  }
  const fl = f.process_flags;
  if (backend === 'cuda' && fl & FLAGS.process.driver_checked) {
    if (!(fl & FLAGS.process.cuda_driver_loaded)) {
      if (!f.execs.length && !f.forks)
        reasons.push(
          'the CUDA driver (libcuda) was never loaded: the program made no GPU call (wrong device selected, CPU fallback, or it failed before using the GPU)',
        );
    } else if (!(fl & FLAGS.process.driver_entries)) {
      reasons.push(
        "libcuda was loaded but its entry points were not seen: the CUDA runtime is probably linked statically into the program (nvcc's default) " +
          "and the recorder's driver-entry capture is unavailable here (it needs x86-64 Linux); rebuild with `nvcc --cudart shared`, or record on x86-64",
      );
    } else {
      reasons.push(
        "the recorder wrapped the driver's entry points, but the program made no stream, launch, copy or sync call (only device queries?)",
      );
    }
  } else if (!f.execs.length && !f.forks) {
    reasons.push(
      backend === 'cuda'
        ? 'likely: the program made no GPU call; or its CUDA runtime is linked statically and this recorder could not see it (record with a current mpstrace, or rebuild with `nvcc --cudart shared`); ' +
            'or a wrapper process was traced instead of the program'
        : 'likely: the program made no GPU call, or a wrapper process was traced instead of the program',
    );
  }
  return { code: 'no_backend_calls', message: `${head}; ${reasons.join('; ')}` };
}
