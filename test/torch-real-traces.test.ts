// Real traces of UNMODIFIED PyTorch programs (traces/programs/torch/, recorded on an
// H200 by traces/programs/torch/record.sh, the layer auto-installed): runtime bugs
// planted below torch's public API are found with the program's own Python lines,
// and the clean twins get no error or warning from any rule.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTrace, type LoadedTrace } from '../src/ingest/load.js';
import { analyzeTrace } from '../src/analyze/analyzeTrace.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'traces/cuda/torch');
const progs = path.join(root, 'traces/programs/torch');

const open: LoadedTrace[] = [];
afterAll(() => {
  for (const t of open) t.close();
});

async function analyze(name: string) {
  const t = await openTrace(path.join(dir, `${name}.mpst`), { cache: false, progress: false });
  open.push(t);
  const all = await analyzeTrace(t);
  return { t, all, problems: all.filter((f) => f.severity !== 'info') };
}

/** `main:<n>` of the statement starting with `text` in the program (the site the finding must name). */
function site(prog: string, text: string): string {
  const lines = readFileSync(path.join(progs, prog), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.trim().startsWith(text));
  if (i < 0) throw new Error(`${text} not in ${prog}`);
  return `main:${i + 1}`;
}

// trace -> rule/kind it must show, and the program line (a statement of the program) it must name
const PLANTED: [string, string, string, string, string][] = [
  ['device_sync_planted', 'incomplete-device-sync', 'late-completion', 'device_sync.py', 'torch.cuda.synchronize()'],
  ['event_handoff_planted', 'wrong-stream-event', 'record-wrong-stream', 'event_handoff.py', 'ready.record(copy_stream)'],
  [
    'event_handoff_planted',
    'wrong-stream-event',
    'record-wrong-stream',
    'event_handoff.py',
    'main_stream.wait_event(copy_stream.record_event())',
  ],
  ['timed_steps_planted', 'hang', 'elapsed-untimed', 'timed_steps.py', 'times.append(start.elapsed_time(end))'],
  ['timed_steps_user_untimed', 'hang', 'elapsed-untimed', 'timed_steps.py', 'times.append(start.elapsed_time(end))'],
];

describe('torch layer: real traces of unmodified PyTorch programs', () => {
  for (const [name, rule, kind, prog, text] of PLANTED) {
    it(`${name}: ${rule}/${kind} at ${prog} '${text}'`, async () => {
      const { all } = await analyze(name);
      const want = site(prog, text);
      const hits = all.filter((f) => f.rule === rule && f.kind === kind && f.severity === 'error');
      const named = hits.filter((f) => f.sites.some((s) => s.symbol === want && (s.module ?? '').endsWith(`torch/${prog}`)));
      expect(named.length, JSON.stringify(hits.map((f) => f.sites.map((s) => `${s.symbol} ${s.module}`)))).toBeGreaterThan(0);
    });
  }

  it('the layer said it was on, at the level asked, in every trace', async () => {
    for (const [name, level] of [
      ['device_sync_planted', 'api'],
      ['prefetch_train_full', 'full'],
      ['prefetch_train_api', 'api'],
    ]) {
      const { t } = await analyze(name!);
      const r = await t.connection.runAndReadAll(`SELECT level, ok, message FROM ev_api_layer`);
      const rows = r.getRowObjectsJS() as { level: string; ok: bigint; message: string }[];
      expect(rows).toHaveLength(1);
      expect(rows[0]!.level).toBe(level);
      expect(Number(rows[0]!.ok)).toBe(1);
      expect(rows[0]!.message).toMatch(/^torch 2\.11\.0\+cu130, level (api|full), cuda: \d+ entry points wrapped/);
    }
    const { t } = await analyze('prefetch_train_off');
    const r = await t.connection.runAndReadAll(`SELECT count(*) AS n FROM ev_api_layer`);
    expect(Number(r.getRowObjects()[0]!.n)).toBe(0);
  });

  it('level full wrote tensor accesses and torch_block lifetimes named by program lines', async () => {
    const { t } = await analyze('prefetch_train_full');
    const q = async (sql: string) => (await t.connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    const [acc] = await q(
      `SELECT count(*) AS n, count(DISTINCT op) AS ops, count(*) FILTER (WHERE mode = 'write') AS w FROM ev_tensor_access`,
    );
    expect(Number(acc!.n)).toBeGreaterThan(500);
    expect(Number(acc!.w)).toBeGreaterThan(100);
    const [mem] = await q(`SELECT count(*) AS n FROM ev_alloc WHERE mem = 'torch_block'`);
    expect(Number(mem!.n)).toBeGreaterThan(100);
    const sites = await q(`SELECT DISTINCT c.module FROM ev_tensor_access a JOIN callsites c ON c.site_id = a.site`);
    expect(sites.some((s) => String(s.module).endsWith('torch/prefetch_train.py'))).toBe(true);
  });

  for (const name of [
    'device_sync_clean',
    'event_handoff_clean',
    'timed_steps_clean',
    'prefetch_train_full',
    'prefetch_train_api',
    'prefetch_train_off',
  ]) {
    it(`${name}: no error or warning from any rule`, async () => {
      const { problems } = await analyze(name);
      expect(problems.map((f) => `${f.rule}/${f.kind}: ${f.message}`)).toEqual([]);
    });
  }
});
