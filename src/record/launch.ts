/**
 * Runs a command with the recorder injected: preload variables, output path,
 * the Python annotation module on PYTHONPATH; forwards termination signals;
 * resolves with the child's exit code (128 + signal number when killed).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { UserError } from '../util/errors.js';
import { packageRoot, type Backend } from './library.js';

/** Levels of the PyTorch layer (instrumentation/python/mpstrace/torch.py reads MPSTRACE_TORCH). */
export const TORCH_LEVELS = ['off', 'api', 'full'] as const;
export type TorchLevel = (typeof TORCH_LEVELS)[number];
/** GPU completion modes of the CUDA recorder (instrumentation/cuda/cupti.c reads MPSTRACE_COMPLETIONS). */
export const COMPLETION_MODES = ['cupti', 'sampled', 'off'] as const;
export type CompletionMode = (typeof COMPLETION_MODES)[number];

export interface LaunchOptions {
  backend: Backend;
  library: string;
  out: string;
  command: string[];
  env?: NodeJS.ProcessEnv;
  /** sets MPSTRACE_TORCH; unset: the environment's value, else the layer's default */
  torch?: TorchLevel;
  /** sets MPSTRACE_COMPLETIONS; unset: the environment's value, else the recorder's default */
  completions?: CompletionMode;
}

export interface LaunchResult {
  exitCode: number;
  signal: NodeJS.Signals | null;
}

/** The child's environment: the parent's plus what injects the recorder. */
export function recorderEnv(o: Pick<LaunchOptions, 'backend' | 'library' | 'out' | 'env' | 'torch' | 'completions'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env) };
  const append = (cur: string | undefined, v: string) => (cur ? `${cur}:${v}` : v);
  if (o.backend === 'cuda') env.LD_PRELOAD = append(env.LD_PRELOAD, o.library);
  else env.DYLD_INSERT_LIBRARIES = append(env.DYLD_INSERT_LIBRARIES, o.library);
  env.MPSTRACE_OUT = path.resolve(o.out);
  // a fresh recording: nothing inherited from an outer traced process
  delete env.MPSTRACE_STEM;
  delete env.MPSTRACE_EXEC_DEPTH;
  delete env.MPSTRACE_PID;
  const py = path.join(packageRoot, 'instrumentation', 'python');
  // the folder's sitecustomize.py installs mpstrace.torch when the program imports torch
  env.PYTHONPATH = env.PYTHONPATH ? `${py}${path.delimiter}${env.PYTHONPATH}` : py;
  if (o.torch) env.MPSTRACE_TORCH = o.torch;
  if (o.completions) env.MPSTRACE_COMPLETIONS = o.completions;
  return env;
}

/** Ctrl-C reaches the child through the terminal too: forward SIGINT only if the child is still running after this. */
const SIGINT_GRACE_MS = 250;

export function launch(o: LaunchOptions): Promise<LaunchResult> {
  if (o.command.length === 0)
    throw new UserError('nothing to record: give the command after --, e.g. `mpstrace record -- python3 train.py`');
  const [cmd, ...args] = o.command;
  return new Promise((resolve, reject) => {
    // The handlers go in before the spawn, so that the signal handler is installed
    // before the child exists: a signal sent at the child's first output must be
    // forwarded, not kill this process by default action (seen on a loaded machine).
    // Listeners run from the event loop, after this block has assigned `child`.
    let child: ChildProcess;
    const forward = (sig: NodeJS.Signals) => () => {
      if (sig === 'SIGINT')
        setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill(sig), SIGINT_GRACE_MS).unref();
      else child.kill(sig);
    };
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const done = () => {
      for (const [s, h] of handlers) process.off(s, h);
    };
    try {
      child = spawn(cmd!, args, { stdio: 'inherit', env: recorderEnv(o) });
    } catch (e) {
      done();
      throw e;
    }
    child.on('error', (err: NodeJS.ErrnoException) => {
      done();
      reject(new UserError(err.code === 'ENOENT' ? `command not found: ${cmd}` : `cannot run ${cmd}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      done();
      const signo = signal ? (constants.signals[signal] ?? 0) : 0;
      resolve({ exitCode: code ?? 128 + signo, signal });
    });
  });
}
