/**
 * One recording can be many processes: a shim, `env` or a shell launcher
 * exec's the real program, which may fork workers. Each process writes its
 * own trace file; the run's index (index.json in the run directory) lists
 * them with what each did, so the summary can show the process that did the
 * GPU work instead of the wrapper's empty trace.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { KIND_BY_NAME } from '../format/kinds.js';
import { TraceReader } from '../format/reader.js';

/** Kind groups written by backend hooks (as ingest/capture.ts counts them). */
const BACKEND_GROUPS = new Set(['stream', 'event', 'gpu', 'sync', 'memory']);

export interface RunProcess {
  file: string;
  pid: number;
  ppid: number;
  /** Backend calls recorded (streams, events, launches, copies, syncs). */
  backend_calls: number;
  records: number;
  /** Programs this process exec'd (wrappers have one). */
  execs: string[];
}

export interface RunIndex {
  command: string[];
  started_ms: number;
  processes: RunProcess[];
  /** The file whose process did the most GPU work (the main trace when none did). */
  gpu_process: string;
}

function describe(file: string): RunProcess {
  const r = TraceReader.open(file);
  const execKind = KIND_BY_NAME.get('exec')!;
  const pathWord = execKind.fields.find((f) => f.name === 'path')!;
  let calls = 0;
  let records = 0;
  const execIds: number[] = [];
  const backendKinds = new Set([...KIND_BY_NAME.values()].filter((k) => BACKEND_GROUPS.has(k.group)).map((k) => k.id));
  try {
    for (const b of r.batches(65536)) {
      records += b.count;
      for (let i = 0; i < b.count; i++) {
        const k = b.kind[i]!;
        if (backendKinds.has(k)) calls++;
        else if (k === execKind.id)
          execIds.push(Number((BigInt.asUintN(64, b.p[pathWord.word]![i]!) >> BigInt(pathWord.shift)) & 0xffffffffn));
      }
    }
  } finally {
    r.close();
  }
  return {
    file,
    pid: r.header.pid,
    ppid: r.header.ppid,
    backend_calls: calls,
    records,
    execs: execIds.map((id) => r.strings.get(id) ?? '?'),
  };
}

export function buildRunIndex(command: string[], startedMs: number, files: string[]): RunIndex {
  const processes: RunProcess[] = [];
  for (const f of files) {
    try {
      processes.push(describe(f));
    } catch {
      /* unreadable (torn beyond its header): listed by the record command's own messages */
    }
  }
  let gpu = processes[0];
  for (const p of processes) if (gpu && p.backend_calls > gpu.backend_calls) gpu = p;
  return { command, started_ms: startedMs, processes, gpu_process: gpu?.file ?? files[0] ?? '' };
}

export function writeRunIndex(dir: string, index: RunIndex): string {
  const file = path.join(dir, 'index.json');
  const rel = (p: string) => path.relative(dir, p) || p;
  writeFileSync(
    file,
    JSON.stringify(
      {
        ...index,
        gpu_process: rel(index.gpu_process),
        processes: index.processes.map((p) => ({ ...p, file: rel(p.file) })),
      },
      null,
      2,
    ) + '\n',
  );
  return file;
}
