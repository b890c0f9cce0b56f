import { defineDetector, fmtHandle, type PassBatch, type PassContext, type RawFinding } from '../defineDetector.js';
import { HOST, RaceEngine, OP, type Access, type Conflict } from './engine.js';

const COLUMNS = ['id', 'tid', 'site', 'op', 'stream', 'obj', 'ptr', 'bytes', 'base', 'mode', 'name', 'res'] as const;

/** Feeds query.sql's batches to the engine, in order. */
export async function runEngine(batches: AsyncIterable<PassBatch>, grouped = true): Promise<RaceEngine> {
  const engine = new RaceEngine({ grouped });
  for await (const b of batches) {
    const at = COLUMNS.map((c) => {
      const i = b.names.indexOf(c);
      if (i < 0) throw new Error(`query.sql must return column '${c}'`);
      return b.columns[i] as number[];
    });
    const [id, tid, site, op, stream, obj, ptr, bytes, base, mode, name, res] = at as [
      number[],
      number[],
      number[],
      number[],
      number[],
      number[],
      number[],
      number[],
      number[],
      number[],
      number[],
      number[],
    ];
    for (let r = 0; r < b.rowCount; r++) {
      engine.row(id[r]!, tid[r]!, site[r]!, op[r]!, stream[r]!, obj[r]!, ptr[r]!, bytes[r]!, base[r]!, mode[r]!, name[r]!, res[r]!);
    }
  }
  return engine;
}

const KIND_NAME: Record<number, string> = {
  [OP.TENSOR]: 'op',
  [OP.BUFFER]: 'buffer_access',
  [OP.COPY]: 'memcpy',
  [OP.MEMSET]: 'memset',
  [OP.HOST_ACCESS]: 'host read',
};

/** `file.py:12` for Python sites (symbol `func:line`, module = file), else the symbol. */
function where(site: { symbol: string | null; module: string | null } | undefined): string {
  if (!site?.symbol) return 'unknown site';
  const m = /:(\d+)$/.exec(site.symbol);
  if (m && site.module && /\.py$/.test(site.module)) return `${site.module.split('/').pop()}:${m[1]}`;
  return site.symbol;
}

async function pass(batches: AsyncIterable<PassBatch>, ctx: PassContext): Promise<RawFinding[]> {
  const engine = await runEngine(batches, ctx.grouped);
  const found = engine.conflicts();
  if (found.length === 0) return [];
  const sites = new Map<number, { symbol: string | null; module: string | null }>();
  for (const r of await ctx.query('SELECT site_id, symbol, module FROM callsites')) {
    sites.set(Number(r.site_id), { symbol: (r.symbol as string | null) ?? null, module: (r.module as string | null) ?? null });
  }
  const nameIds = [...new Set(found.flatMap((c) => [c.prev.name, c.cur.name]).filter((x) => x > 0))];
  const names = new Map<number, string>();
  if (nameIds.length > 0) {
    for (const r of await ctx.query(`SELECT id, text FROM strings WHERE id IN (${nameIds.join(',')})`))
      names.set(Number(r.id), String(r.text));
  }
  const lastIds = [...new Set(found.map((c) => c.lastId))];
  const lastTs = new Map<number, bigint>();
  for (let i = 0; i < lastIds.length; i += 5000) {
    const rows = await ctx.query(`SELECT id, ts FROM raw_events WHERE id IN (${lastIds.slice(i, i + 5000).join(',')})`);
    for (const r of rows) lastTs.set(Number(r.id), BigInt(r.ts as bigint));
  }
  const opName = (a: Access) => (a.name > 0 ? (names.get(a.name) ?? `op#${a.name}`) : (KIND_NAME[a.op] ?? 'access'));
  return found.map((c: Conflict) => {
    const prevStream = engine.handles[c.prev.s]!;
    const host = c.cur.s === HOST;
    const curStream = host ? null : engine.handles[c.cur.s]!;
    // Who must wait for whom: the later access's stream (or the host) for the earlier one's.
    const missing = `${host ? 'the host' : `stream ${fmtHandle(curStream!)}`} should have waited for stream ${fmtHandle(prevStream)} after ${opName(c.prev)} at ${where(sites.get(c.prev.site))}`;
    const evidence = [
      { id: BigInt(c.prev.id), role: 'first-access' },
      { id: BigInt(c.cur.id), role: 'second-access' },
    ];
    return {
      kind: c.kind,
      ts: null,
      tids: [BigInt(c.prev.tid), BigInt(c.cur.tid)],
      streams: host ? [BigInt(prevStream)] : [BigInt(prevStream), BigInt(curStream!)],
      evidence,
      _k: 1,
      _count: c.count,
      _last_ts: lastTs.get(c.lastId) ?? null,
      conflict: c.type,
      first_op: opName(c.prev),
      first_mode: modeName(c.prev.mode),
      first_stream: BigInt(prevStream),
      first_tid: c.prev.tid,
      first_at: where(sites.get(c.prev.site)),
      second_op: opName(c.cur),
      second_mode: modeName(c.cur.mode),
      second_stream: host ? null : BigInt(curStream!),
      second_tid: c.cur.tid,
      second_at: where(sites.get(c.cur.site)),
      allocated_at: c.curAlloc?.site ? where(sites.get(c.curAlloc.site)) : null,
      first_allocated_at: c.prev.alloc?.site ? where(sites.get(c.prev.alloc.site)) : null,
      overlap_bytes: c.bytes,
      missing,
    } as RawFinding;
  });
}

function modeName(m: number): string {
  return m === 1 ? 'read' : m === 2 ? 'write' : 'read+write';
}

/** Whether a site reads as a Python `file.py:line`. */
const pyLine = (at: unknown) => /\.py:\d+$/.test(String(at));
const both = (r: RawFinding) =>
  `${r.first_op} (${r.first_mode}) on stream ${fmtHandle(r.first_stream)} at ${r.first_at} and ${r.second_op} (${r.second_mode}) on stream ${fmtHandle(r.second_stream)} at ${r.second_at}`;
const alloc = (r: RawFinding) => (r.allocated_at ? `; tensor allocated at ${r.allocated_at}` : '');

export default defineDetector({
  id: 'cross-stream-race',
  title: 'Unordered accesses to the same bytes from two streams',
  severity: 'error',
  doc: 'Builds happens-before over the trace (vector clocks per stream: event record/wait, stream/event/device syncs and completed queries as the backend did them, new streams from what the host knows, record_stream as the caching allocator honours it) and reports pairs of accesses to overlapping byte ranges, at least one a write, that no ordering separates: read-after-write, write-after-read, write-after-write, reuse of a freed block while another stream may still use it, and the host reading pinned memory an asynchronous device-to-host copy may still be writing. Accesses come from the PyTorch layer (per-op byte ranges, host reads of pinned tensors), buffer_access annotations and backend copies/fills.',
  sumOnGroup: [],
  cases: {
    'read-after-write': {
      message: (r) => `read-after-write race: ${both(r)}; ${r.missing}${alloc(r)}`,
      fix: 'Order the reader after the writer: `reader_stream.wait_stream(writer_stream)` after the write, or record an event on the writer stream after the write (`ev.record(writer_stream)`) and `ev.wait(reader_stream)` before the read.',
    },
    'write-after-read': {
      message: (r) => `write-after-read race: ${both(r)}; ${r.missing}${alloc(r)}`,
      fix: 'Make the writer wait until the reader is done: `writer_stream.wait_stream(reader_stream)` before the write, or an event recorded on the reader stream after the read and waited on by the writer stream.',
    },
    'write-after-write': {
      message: (r) => `write-after-write race: ${both(r)}; ${r.missing}${alloc(r)}`,
      fix: 'Order the two writes: `second_stream.wait_stream(first_stream)` (or an event record + wait) between them.',
    },
    'host-read-before-copy': {
      message: (r) =>
        `the host read pinned memory an asynchronous device-to-host copy may still be writing: ${r.first_op} (${r.first_mode}) on stream ${fmtHandle(r.first_stream)} at ${r.first_at}, then ${r.second_op} on the host at ${r.second_at}; ${r.missing}${pyLine(r.first_at) ? '' : ' (the copy was made outside a wrapped call: record with `--torch full` to name its Python line)'}`,
      fix: 'Wait for the copy before reading the host tensor: record an event after the copy on its stream and `ev.synchronize()` (or poll `ev.query()` and read only when it is true), or `copy_stream.synchronize()`. `torch.cuda.current_stream().synchronize()` waits only for the current stream, not for a copy enqueued on another one.',
    },
    'allocator-reuse': {
      message: (r) =>
        `freed memory reused while another stream may still use it: ${both(r)}; the first tensor${r.first_allocated_at ? ` (allocated at ${r.first_allocated_at})` : ''} was freed without record_stream and its block handed out again${alloc(r)}; ${r.missing}`,
      fix: 'Call `tensor.record_stream(stream)` for every other stream that used the tensor before it is freed (the caching allocator then keeps the block until that work is done), or keep the tensor alive / make its allocation stream wait for the user stream (`wait_stream`) before freeing it.',
    },
  },
  pass,
});
