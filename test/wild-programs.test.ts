/**
 * The detectors on PyTorch programs written without looking at mpstrace's rules
 * (traces/programs/wild/, MANIFEST.md there: the bug and its two lines), recorded
 * on an H200 (traces/cuda/wild/, see traces/README.md). Every buggy program must
 * show its bug at the manifest's lines, and every --fixed twin must show no error
 * or warning: a miss or a false alarm here is one on code we did not shape.
 */
import { describe, expect, test } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTrace } from '../src/ingest/load.js';
import { analyzeTrace } from '../src/analyze/analyzeTrace.js';
import type { Finding } from '../src/analyze/finding.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'traces', 'cuda', 'wild');

async function problems(file: string): Promise<Finding[]> {
  const loaded = await openTrace(path.join(dir, file), { cache: false, progress: false });
  try {
    return (await analyzeTrace(loaded)).filter((f) => f.severity !== 'info');
  } finally {
    loaded.close();
  }
}

/** Each program's bug: the finding (rule/kind) and its two accesses, `file.py:line` as the finding names them. */
const BUGS: Record<string, { kind: string; first: string; second: string }> = {
  prefetch_loader: { kind: 'cross-stream-race/read-after-write', first: 'prefetch_loader.py:77', second: 'prefetch_loader.py:123' },
  kv_decode_stream: { kind: 'cross-stream-race/host-read-before-copy', first: 'kv_decode_stream.py:107', second: 'kv_decode_stream.py:92' },
  mt_infer_server: { kind: 'cross-stream-race/read-after-write', first: 'mt_infer_server.py:78', second: 'mt_infer_server.py:63' },
  ema_side_stream: { kind: 'cross-stream-race/read-after-write', first: 'ema_side_stream.py:77', second: 'ema_side_stream.py:40' },
  activation_dump: { kind: 'cross-stream-race/allocator-reuse', first: 'activation_dump.py:50', second: 'activation_dump.py:35' },
  graph_serving: { kind: 'cross-stream-race/write-after-read', first: 'graph_serving.py:73', second: 'graph_serving.py:70' },
  covariance_stream: { kind: 'cross-stream-race/write-after-read', first: 'covariance_stream.py:74', second: 'covariance_stream.py:57' },
  metrics_logger: { kind: 'cross-stream-race/host-read-before-copy', first: 'metrics_logger.py:66', second: 'metrics_logger.py:76' },
  // the manifest calls it write-after-write: this trace's layer recorded copy_'s destination as read+write
  // (it now records it as written, not yet re-recorded on the GPU)
  lm_collate_stream: { kind: 'cross-stream-race/read-after-write', first: 'lm_collate_stream.py:70', second: 'lm_collate_stream.py:74' },
  // the first access is a backward op, on an autograd device thread
  gradnorm_telemetry: { kind: 'cross-stream-race/read-after-write', first: 'autograd engine', second: 'gradnorm_telemetry.py:39' },
};

describe('programs written blind (traces/cuda/wild)', () => {
  for (const [name, bug] of Object.entries(BUGS)) {
    test(`${name}: the bug at its two lines, the fixed twin silent`, async () => {
      const found = await problems(`${name}_buggy.mpst`);
      const hit = found.find(
        (f) => `${f.rule}/${f.kind}` === bug.kind && f.details.first_at === bug.first && f.details.second_at === bug.second,
      );
      expect(hit, found.map((f) => `${f.rule}/${f.kind} ${f.details.first_at} / ${f.details.second_at}`).join('\n')).toBeDefined();
      expect(hit!.severity).toBe('error');
      expect((await problems(`${name}_fixed.mpst`)).map((f) => `${f.rule}/${f.kind}`)).toEqual([]);
    });
  }

  test('gradnorm_telemetry: its wait on its own stream is a same-stream warning', async () => {
    const found = await problems('gradnorm_telemetry_buggy.mpst');
    const w = found.find((f) => f.rule === 'wrong-stream-event' && f.kind === 'same-stream');
    expect(w?.sites.some((s) => s.symbol === 'grad_norms:36')).toBe(true);
  });

  // the host read needs no per-op hook: the default level (api) finds it too
  for (const name of ['kv_decode_stream', 'metrics_logger']) {
    test(`${name} at torch level api: the host read found, the fixed twin silent`, async () => {
      const found = await problems(`${name}_buggy_api.mpst`);
      const hit = found.find((f) => f.kind === 'host-read-before-copy');
      expect(hit?.details.second_at).toBe(BUGS[name]!.second);
      expect(await problems(`${name}_fixed_api.mpst`)).toEqual([]);
    });
  }
});
