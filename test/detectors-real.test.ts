/**
 * The detectors on real traces recorded on an H200 (traces/cuda, see
 * traces/README.md): each buggy stream-pool scenario shows exactly its audit
 * finding, the corrected twins and the other real programs show no problem.
 * The combined buggy run is also a diff test against committed findings
 * (UPDATE_EXPECTED=1 rewrites them).
 */
import { describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTrace } from '../src/ingest/load.js';
import { analyzeTrace } from '../src/analyze/analyzeTrace.js';
import { detectors } from '../src/detectors/registry.js';
import type { Finding } from '../src/analyze/finding.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const traces = path.join(root, 'traces', 'cuda');
const EXPECTED = path.join(root, 'test', 'fixtures', 'detectors', 'real');

async function findings(file: string): Promise<Finding[]> {
  const loaded = await openTrace(path.join(traces, file), { cache: false, progress: false });
  try {
    return await analyzeTrace(loaded);
  } finally {
    loaded.close();
  }
}

// Severity, rule and sub-case of each problem; counts are left to the diff test
// so that a re-recording with more iterations keeps these checks meaningful.
const problems = (fs: Finding[]) => [...new Set(fs.filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.rule}/${f.kind}`))];

const BUGGY: Record<string, string[]> = {
  device_sync: ['error incomplete-device-sync/late-completion'],
  wrong_stream_event: [
    'error wrong-stream-event/record-wrong-stream',
    'error wrong-stream-event/wait-wrong-stream',
    'warning wrong-stream-event/same-stream',
  ],
  double_owned_slot: [
    'error double-owned-slot/set-current-free',
    'error double-owned-slot/acquire-owned',
    'error double-owned-slot/exit-release-unowned',
    'error double-owned-slot/set-current-owned',
  ],
  elapsed_no_timing: ['error hang/elapsed-untimed'],
  retained_buffer: ['warning retained-buffer/after-owner-destroyed'],
  leaked_slot: [
    'warning leaked-slot/thread-exited-owning',
    'warning leaked-slot/never-released',
    'warning leaked-slot/pool-exhausted',
    'warning leaked-slot/acquire-waited',
  ],
};

describe('real traces: stream-pool scenarios', () => {
  for (const [scenario, expected] of Object.entries(BUGGY)) {
    test(`${scenario}: the buggy run shows its finding, the fixed twin none`, async () => {
      expect(problems(await findings(`pool/${scenario}_buggy.mpst`))).toEqual(expected);
      expect(problems(await findings(`pool/${scenario}_fixed.mpst`))).toEqual([]);
    });
  }

  // Scenario 7: elapsed_time blocks on the end event until a timeout kills the process.
  test.skipIf(!existsSync(path.join(traces, 'pool', 'elapsed_hang_buggy.mpst')))(
    'elapsed_hang: a sync that never returned is a hang; the fixed twin is clean',
    async () => {
      expect(problems(await findings('pool/elapsed_hang_buggy.mpst'))).toContain('error hang/never-returned');
      expect(problems(await findings('pool/elapsed_hang_fixed.mpst'))).toEqual([]);
    },
  );

  test('retained_buffer: the streams really were destroyed in both variants', async () => {
    // the retained batches' events outlive their destroyed streams only in the buggy run
    for (const v of ['buggy', 'fixed']) {
      const loaded = await openTrace(path.join(traces, 'pool', `retained_buffer_${v}.mpst`), { cache: false, progress: false });
      try {
        const r = await loaded.connection.runAndReadAll('SELECT count(*) AS n FROM ev_stream_destroy');
        expect(Number(r.getRowObjects()[0]!.n), v).toBe(3);
      } finally {
        loaded.close();
      }
    }
  });

  test('all scenarios in one run: every audit rule fires (diff test)', async () => {
    const fs = await findings('pool/stream_pool_buggy.mpst');
    const rules = new Set(fs.filter((f) => f.severity !== 'info').map((f) => f.rule));
    expect([...rules].sort()).toEqual(
      detectors()
        .filter((d) => d.audit)
        .map((d) => d.id),
    );
    const file = path.join(EXPECTED, 'stream_pool_buggy.expected.json');
    const text = `${JSON.stringify(fs, null, 2)}\n`;
    if (process.env.UPDATE_EXPECTED === '1' || !existsSync(file)) {
      if (process.env.UPDATE_EXPECTED !== '1')
        throw new Error(`${file} is missing; run UPDATE_EXPECTED=1 npx vitest run test/detectors-real.test.ts and review it`);
      mkdirSync(EXPECTED, { recursive: true });
      writeFileSync(file, text);
    } else {
      // After re-recording traces/cuda, rewrite with UPDATE_EXPECTED=1 and review the diff.
      expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    }
    expect(problems(await findings('pool/stream_pool_fixed.mpst'))).toEqual([]);
  });
});

/** Every real trace except the buggy stream-pool runs: correct programs, fixed twins, gate runs. */
function cleanTraces(dir = traces, rel = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) return cleanTraces(path.join(dir, e.name), r);
      // native/streams_*: streams_bug.cu's two planted bugs (test/capture-real.test.ts checks them);
      // torch/*_user_untimed: the program's own elapsed_time on untimed events (test/torch-real-traces.test.ts)
      const buggy = ['_buggy', '_planted', '_user_untimed'].some((m) => e.name.includes(m)) || r.startsWith('native/streams_');
      return e.name.endsWith('.mpst') && !buggy ? [r] : [];
    })
    .sort();
}

describe('real traces: correct programs are clean', () => {
  test('the set covers the bundled programs', () => {
    expect(cleanTraces()).toEqual(
      expect.arrayContaining(['train_prefetch.mpst', 'timing_events.mpst', 'mt_inference.mpst', 'pool/stream_pool_fixed.mpst']),
    );
  });
  for (const file of cleanTraces()) {
    test(file, async () => {
      expect(problems(await findings(file))).toEqual([]);
    });
  }
});
