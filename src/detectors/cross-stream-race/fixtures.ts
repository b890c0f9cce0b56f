/**
 * Trace fixtures of cross-stream-race, written with the TS writer:
 * - `csan/*`: the event-handler sequences of PyTorch's CUDA sanitizer tests
 *   (test/test_cuda_sanitizer.py, TestEventHandler), re-expressed as trace
 *   records, with the number of errors CSAN expects there;
 * - `miss/*`: races CSAN does not see (allocator reuse without record_stream,
 *   overlapping views with different data pointers, a CUDA-graph replay) and
 *   their safe twins;
 * - `host/*`: the host-side orderings the model adds (queries, wrong-stream
 *   syncs, syncs that failed, threads).
 * Tensors are 256-byte ranges at 0x10000 * (i + 1); streams 1000 + i; events 2000 + i.
 */
import { TraceWriter } from '../../format/writer.js';

export interface RaceFixture {
  name: string;
  /** Occurrences (sum of finding counts) expected; CSAN's error count for csan/*. */
  errors: number;
  /** Kinds expected among the findings (subset check). */
  kinds?: string[];
  build(): TraceWriter;
}

const TENSOR_BYTES = 256;
export const tensor = (i: number): number => 0x10000 * (i + 1);
export const stream = (i: number): number => 1000 + i;
export const event = (i: number): number => 2000 + i;

/** A small sequence builder: every call is one record at the next timestamp. */
export class Seq {
  readonly w = new TraceWriter({ backend: 'cuda', synthetic: false });
  private ts = 1000;
  private readonly sites = new Map<number, number>();
  constructor() {
    this.w.record(1, 'process_start', 0, { pid: 1, ppid: 0, backend: 'cuda', clock: 'monotonic', recorder: 'fixture' });
  }
  /** A Python call site `prog.py:line` (interned per line). */
  site(line: number): number {
    let s = this.sites.get(line);
    if (s === undefined) {
      s = this.w.callsite(`main:${line}`, '/work/prog.py', 0);
      this.sites.set(line, s);
    }
    return s;
  }
  rec(kind: string, fields: Record<string, number | string>, tid = 1, line = 0): this {
    this.w.record(tid, kind, (this.ts += 1000), fields, line ? this.site(line) : 0);
    return this;
  }
  access(
    s: number,
    ptr: number,
    bytes: number,
    mode: 'read' | 'write' | 'read_write',
    op = 'aten::add',
    base = ptr,
    line = 0,
    tid = 1,
  ): this {
    return this.rec('tensor_access', { ptr, bytes, base, stream: s, op, mode }, tid, line);
  }
  /** CSAN's `_handle_kernel_launch(stream, read_only, read_write)`. */
  launch(s: number, ro: number[] = [], rw: number[] = [], line = 0): this {
    for (const t of ro) this.access(s, tensor(t), TENSOR_BYTES, 'read', 'aten::k', tensor(t), line);
    for (const t of rw) this.access(s, tensor(t), TENSOR_BYTES, 'read_write', 'aten::k', tensor(t), line);
    return this;
  }
  record(e: number, s: number): this {
    return this.rec('event_record', { event: e, stream: s });
  }
  wait(e: number, s: number): this {
    return this.rec('event_wait', { event: e, stream: s });
  }
  sync(scope: 'device' | 'stream' | 'event', target = 0, result = 0, tid = 1): this {
    const api = scope === 'device' ? 'cudaDeviceSynchronize' : scope === 'stream' ? 'cudaStreamSynchronize' : 'cudaEventSynchronize';
    this.rec('sync_begin', { target, scope, api }, tid);
    return this.rec('sync_end', { target, scope, api, result }, tid);
  }
  alloc(ptr: number, bytes: number, s = stream(0), line = 0): this {
    return this.rec('alloc', { ptr, bytes, stream: s, mem: 'torch_block' }, 1, line);
  }
  free(ptr: number, s = stream(0)): this {
    return this.rec('free', { ptr, stream: s, mem: 'torch_block' });
  }
  done(): TraceWriter {
    this.rec('process_end', { status: 0, reason: 'exit' });
    return this.w;
  }
}

const BLOCK = 0x1000;
const fx = (name: string, errors: number, build: (q: Seq) => void, kinds?: string[]): RaceFixture => ({
  name,
  errors,
  kinds,
  build: () => {
    const q = new Seq();
    build(q);
    return q.done();
  },
});

/** TestEventHandler: same sequences, same error counts (assert_bad = 1 error unless the test counts). */
export const CSAN_FIXTURES: RaceFixture[] = [
  fx('csan/empty_kernel_launch', 0, (q) => q.launch(stream(0))),
  fx('csan/simple_passing', 0, (q) => q.launch(stream(1), [1]).launch(stream(2), [1])),
  fx('csan/simple_error', 1, (q) => q.launch(stream(1), [1]).launch(stream(2), [], [1]), ['write-after-read']),
  fx('csan/simple_sync', 0, (q) =>
    q.launch(stream(1), [1]).record(event(0), stream(1)).wait(event(0), stream(2)).launch(stream(2), [], [1]),
  ),
  fx(
    'csan/reads_check_last_write',
    1,
    (q) => q.launch(stream(1), [], [1]).record(event(0), stream(1)).wait(event(0), stream(2)).launch(stream(2), [1]).launch(stream(3), [1]),
    ['read-after-write'],
  ),
  fx('csan/branch_sync', 1, (q) =>
    q
      .launch(stream(1), [], [1])
      .record(event(0), stream(1))
      .wait(event(0), stream(2))
      .wait(event(0), stream(3))
      .launch(stream(2), [1])
      .launch(stream(3), [1])
      .launch(stream(2), [], [1]),
  ),
  fx('csan/chain_sync', 0, (q) => {
    q.launch(stream(0), [1]);
    for (let i = 0; i < 10; i++) q.record(event(i), stream(i)).wait(event(i), stream(i + 1));
    q.launch(stream(10), [], [1]);
  }),
  fx('csan/expired_record', 1, (q) =>
    q.launch(stream(1), [1]).record(event(0), stream(1)).launch(stream(1), [1]).wait(event(0), stream(2)).launch(stream(2), [], [1]),
  ),
  fx('csan/deleted_record_delete_create', 1, (q) =>
    q
      .launch(stream(1), [1])
      .record(event(0), stream(1))
      .rec('event_destroy', { event: event(0) })
      .rec('event_create', { event: event(0) })
      .wait(event(0), stream(2))
      .launch(stream(2), [], [1]),
  ),
  fx('csan/deleted_record_delete', 1, (q) =>
    q
      .launch(stream(1), [1])
      .record(event(0), stream(1))
      .rec('event_destroy', { event: event(0) })
      .wait(event(0), stream(2))
      .launch(stream(2), [], [1]),
  ),
  fx('csan/deleted_record_create', 1, (q) =>
    q
      .launch(stream(1), [1])
      .record(event(0), stream(1))
      .rec('event_create', { event: event(0) })
      .wait(event(0), stream(2))
      .launch(stream(2), [], [1]),
  ),
  fx('csan/all_reads_checked_failing', 1, (q) => {
    for (let i = 1; i <= 10; i++) q.launch(stream(i), [1]).record(event(i), stream(i));
    for (let i = 1; i < 10; i++) q.wait(event(i), stream(0));
    q.launch(stream(0), [], [1]);
  }),
  fx('csan/all_reads_checked_passing', 0, (q) => {
    for (let i = 1; i < 10; i++) q.launch(stream(i), [1]).record(event(i), stream(i));
    for (let i = 1; i < 10; i++) q.wait(event(i), stream(0));
    q.launch(stream(0), [], [1]);
  }),
  fx('csan/multiple_errors', 10, (q) => {
    const all = [...Array(10).keys()];
    q.launch(stream(0), [], all).launch(stream(1), [], all);
  }),
  fx('csan/correct_state_merging', 0, (q) =>
    q
      .launch(stream(1), [], [1])
      .launch(stream(2), [], [2])
      .record(event(1), stream(1))
      .record(event(2), stream(2))
      .launch(stream(1), [], [1])
      .launch(stream(2), [], [2])
      .wait(event(1), stream(2))
      .wait(event(2), stream(1))
      .record(event(3), stream(2))
      .wait(event(3), stream(1))
      .launch(stream(1), [], [1, 2]),
  ),
  fx('csan/record_override', 1, (q) =>
    q
      .launch(stream(1), [1])
      .launch(stream(2), [2])
      .record(event(1), stream(1))
      .record(event(1), stream(2))
      .wait(event(1), stream(3))
      .launch(stream(3), [], [1]),
  ),
  fx('csan/multiple_wait', 0, (q) =>
    q
      .launch(stream(1), [], [1])
      .record(event(1), stream(1))
      .wait(event(1), stream(2))
      .wait(event(1), stream(3))
      .launch(stream(2), [1])
      .launch(stream(3), [1]),
  ),
  fx('csan/device_synchronize', 0, (q) => {
    for (let i = 1; i < 10; i++) q.launch(stream(i), [], [i]);
    q.sync('device');
    q.launch(stream(0), [], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }),
  fx(
    'csan/device_synchronization_expired',
    1,
    (q) => q.launch(stream(1), [], [1]).sync('device').launch(stream(1), [], [1]).launch(stream(2), [], [1]),
    ['read-after-write'],
  ),
  fx('csan/new_stream_is_synchronized', 0, (q) =>
    q
      .launch(stream(1), [], [1])
      .sync('device')
      .rec('stream_create', { stream: stream(2) })
      .launch(stream(2), [], [1]),
  ),
  fx('csan/stream_synchronize', 1, (q) =>
    q
      .launch(stream(0), [], [1])
      .launch(stream(1), [], [2])
      .sync('stream', stream(0))
      .launch(stream(2), [1])
      .launch(stream(3), [1])
      .launch(stream(4), [2]),
  ),
  fx('csan/event_synchronize', 1, (q) =>
    q
      .launch(stream(1), [], [1])
      .record(event(1), stream(1))
      .launch(stream(1), [], [2])
      .sync('event', event(1))
      .launch(stream(2), [], [1])
      .launch(stream(2), [], [2]),
  ),
  // the allocator-reuse cases of newer versions of the same test file
  fx(
    'csan/allocator_reuse_race',
    1,
    (q) => q.alloc(tensor(1), BLOCK).launch(stream(1), [], [1]).free(tensor(1)).alloc(tensor(1), BLOCK).launch(stream(2), [], [1]),
    ['allocator-reuse'],
  ),
  fx('csan/allocator_reuse_same_stream_safe', 0, (q) =>
    q.alloc(tensor(1), BLOCK).launch(stream(1), [], [1]).free(tensor(1)).alloc(tensor(1), BLOCK).launch(stream(1), [], [1]),
  ),
  fx('csan/allocator_reuse_with_record_stream', 0, (q) =>
    q
      .alloc(tensor(1), BLOCK)
      .launch(stream(1), [], [1])
      .rec('api_record_stream', { ptr: tensor(1), bytes: BLOCK, stream: stream(1) })
      .free(tensor(1))
      .alloc(tensor(1), BLOCK)
      .launch(stream(2), [], [1]),
  ),
  fx(
    'csan/allocator_reuse_partial_record_stream',
    1,
    (q) =>
      q
        .alloc(tensor(1), BLOCK)
        .launch(stream(1), [], [1])
        .launch(stream(1), [1])
        .record(event(0), stream(1))
        .wait(event(0), stream(2))
        .launch(stream(2), [1])
        .rec('api_record_stream', { ptr: tensor(1), bytes: BLOCK, stream: stream(1) })
        .free(tensor(1))
        .alloc(tensor(1), BLOCK)
        .launch(stream(3), [], [1]),
    ['allocator-reuse'],
  ),
  fx('csan/allocator_reuse_with_explicit_sync', 0, (q) =>
    q
      .alloc(tensor(1), BLOCK)
      .launch(stream(1), [], [1])
      .record(event(0), stream(1))
      .free(tensor(1))
      .alloc(tensor(1), BLOCK)
      .wait(event(0), stream(2))
      .launch(stream(2), [], [1]),
  ),
  fx('csan/allocator_reuse_cleanup_on_device_sync', 0, (q) =>
    q.alloc(tensor(1), BLOCK).launch(stream(1), [], [1]).free(tensor(1)).sync('device').alloc(tensor(1), BLOCK).launch(stream(2), [], [1]),
  ),
  fx(
    'csan/allocator_reuse_prior_reads_checked_by_write',
    2,
    (q) =>
      q
        .alloc(tensor(1), BLOCK)
        .launch(stream(1), [], [1])
        .launch(stream(1), [1])
        .free(tensor(1))
        .alloc(tensor(1), BLOCK)
        .launch(stream(2), [], [1]),
    ['allocator-reuse'],
  ),
  fx('csan/allocator_reuse_write_clears_prior', 1, (q) =>
    q
      .alloc(tensor(1), BLOCK)
      .launch(stream(1), [], [1])
      .free(tensor(1))
      .alloc(tensor(1), BLOCK)
      .launch(stream(2), [], [1])
      .record(event(0), stream(2))
      .wait(event(0), stream(3))
      .launch(stream(3), [], [1]),
  ),
  fx('csan/allocator_reuse_split_block', 1, (q) =>
    q
      .alloc(tensor(1), BLOCK)
      .rec('stream_create', { stream: stream(1) })
      .rec('stream_create', { stream: stream(2) })
      .access(stream(1), tensor(1), BLOCK, 'read_write')
      .free(tensor(1))
      .alloc(tensor(1) + BLOCK / 2, BLOCK / 2)
      .access(stream(2), tensor(1) + BLOCK / 2, BLOCK / 2, 'read_write'),
  ),
  fx('csan/allocator_reuse_coalesce_blocks', 2, (q) =>
    q
      .alloc(tensor(1), BLOCK)
      .alloc(tensor(1) + BLOCK, BLOCK)
      .access(stream(1), tensor(1), BLOCK, 'read_write')
      .access(stream(2), tensor(1) + BLOCK, BLOCK, 'read_write')
      .free(tensor(1))
      .free(tensor(1) + BLOCK)
      .alloc(tensor(1), 2 * BLOCK)
      .access(stream(3), tensor(1), 2 * BLOCK, 'read_write'),
  ),
  fx('csan/allocator_reuse_no_overlap', 0, (q) =>
    q
      .alloc(tensor(1), BLOCK)
      .access(stream(1), tensor(1), BLOCK, 'read_write')
      .free(tensor(1))
      .alloc(tensor(1) + 2 * BLOCK, BLOCK)
      .access(stream(2), tensor(1) + 2 * BLOCK, BLOCK, 'read_write'),
  ),
];

const S0 = stream(0);
const S1 = stream(1);
const S2 = stream(2);

/** What CSAN misses, as the torch layer records it, and the safe twins. */
export const MISS_FIXTURES: RaceFixture[] = [
  // x allocated on the default stream, read by a side stream, freed without
  // record_stream; the allocator gives the block to the next default-stream
  // allocation, which writes it.
  fx(
    'miss/reuse_without_record_stream',
    1,
    (q) =>
      q
        .alloc(tensor(1), BLOCK, S0, 9)
        .access(S0, tensor(1), BLOCK, 'write', 'aten::fill_', tensor(1), 10)
        .record(event(0), S0)
        .wait(event(0), S1)
        .access(S1, tensor(1), BLOCK, 'read', 'aten::mul', tensor(1), 12)
        .free(tensor(1), S0)
        .alloc(tensor(1), BLOCK, S0, 14)
        .access(S0, tensor(1), BLOCK, 'write', 'aten::fill_', tensor(1), 15),
    ['allocator-reuse'],
  ),
  fx('miss/reuse_with_record_stream', 0, (q) =>
    q
      .alloc(tensor(1), BLOCK, S0)
      .access(S0, tensor(1), BLOCK, 'write', 'aten::fill_', tensor(1), 10)
      .record(event(0), S0)
      .wait(event(0), S1)
      .access(S1, tensor(1), BLOCK, 'read', 'aten::mul', tensor(1), 12)
      .rec('api_record_stream', { ptr: tensor(1), bytes: BLOCK, stream: S1 })
      .free(tensor(1), S0)
      .alloc(tensor(1), BLOCK, S0)
      .access(S0, tensor(1), BLOCK, 'write', 'aten::fill_', tensor(1), 15),
  ),
  // the allocator's own event query (recorded by the backend hooks) also tells the host
  fx('miss/reuse_after_event_query', 0, (q) =>
    q
      .alloc(tensor(1), BLOCK, S0)
      .access(S1, tensor(1), BLOCK, 'read', 'aten::mul', tensor(1), 12)
      .free(tensor(1), S0)
      .record(event(5), S1)
      .rec('event_query', { event: event(5), result: 0 })
      .alloc(tensor(1), BLOCK, S0)
      .access(S0, tensor(1), BLOCK, 'write', 'aten::fill_', tensor(1), 15),
  ),
  fx(
    'miss/reuse_event_query_not_ready',
    1,
    (q) =>
      q
        .alloc(tensor(1), BLOCK, S0)
        .access(S1, tensor(1), BLOCK, 'read', 'aten::mul', tensor(1), 12)
        .free(tensor(1), S0)
        .record(event(5), S1)
        .rec('event_query', { event: event(5), result: 1 })
        .alloc(tensor(1), BLOCK, S0)
        .access(S0, tensor(1), BLOCK, 'write', 'aten::fill_', tensor(1), 15),
    ['allocator-reuse'],
  ),
  // views a = buf[0:1536) and b = buf[1024:2048): different data pointers, shared bytes
  fx(
    'miss/overlapping_views',
    1,
    (q) =>
      q
        .alloc(tensor(1), 2048, S0)
        .access(S1, tensor(1), 1536, 'write', 'aten::fill_', tensor(1), 20)
        .access(S0, tensor(1) + 1024, 1024, 'read', 'aten::sum', tensor(1), 22),
    ['read-after-write'],
  ),
  fx('miss/overlapping_views_synced', 0, (q) =>
    q
      .alloc(tensor(1), 2048, S0)
      .access(S1, tensor(1), 1536, 'write', 'aten::fill_', tensor(1), 20)
      .record(event(0), S1)
      .wait(event(0), S0)
      .access(S0, tensor(1) + 1024, 1024, 'read', 'aten::sum', tensor(1), 22),
  ),
  fx('miss/disjoint_views', 0, (q) =>
    q
      .alloc(tensor(1), 2048, S0)
      .access(S1, tensor(1), 1024, 'write', 'aten::fill_', tensor(1), 20)
      .access(S0, tensor(1) + 1024, 1024, 'read', 'aten::sum', tensor(1), 22),
  ),
  // a graph replayed on a side stream writes `out`; the default stream reads it
  fx(
    'miss/graph_replay',
    1,
    (q) =>
      q
        .alloc(tensor(1), BLOCK, S0)
        .alloc(tensor(2), BLOCK, S0)
        .sync('device')
        .access(S1, tensor(1), BLOCK, 'read', 'aten::mul', tensor(1), 30)
        .access(S1, tensor(2), BLOCK, 'write', 'aten::mul', tensor(2), 30)
        .access(S0, tensor(2), BLOCK, 'read', 'aten::sum', tensor(2), 33),
    ['read-after-write'],
  ),
  fx('miss/graph_replay_synced', 0, (q) =>
    q
      .alloc(tensor(1), BLOCK, S0)
      .alloc(tensor(2), BLOCK, S0)
      .sync('device')
      .access(S1, tensor(1), BLOCK, 'read', 'aten::mul', tensor(1), 30)
      .access(S1, tensor(2), BLOCK, 'write', 'aten::mul', tensor(2), 30)
      .record(event(1), S1)
      .wait(event(1), S0)
      .access(S0, tensor(2), BLOCK, 'read', 'aten::sum', tensor(2), 33),
  ),
];

/** Host-side ordering as the backend did it. */
export const HOST_FIXTURES: RaceFixture[] = [
  fx(
    'host/wrong_stream_synchronized',
    1,
    (q) =>
      q
        .access(S1, tensor(1), BLOCK, 'write', 'aten::mul', tensor(1), 40)
        .access(S2, tensor(2), BLOCK, 'write', 'aten::add', tensor(2), 41)
        .sync('stream', S2)
        .access(S0, tensor(1), BLOCK, 'read', 'aten::sum', tensor(1), 43),
    ['read-after-write'],
  ),
  fx('host/right_stream_synchronized', 0, (q) =>
    q
      .access(S1, tensor(1), BLOCK, 'write', 'aten::mul', tensor(1), 40)
      .sync('stream', S1)
      .access(S0, tensor(1), BLOCK, 'read', 'aten::sum', tensor(1), 43),
  ),
  fx('host/failed_sync_orders_nothing', 1, (q) =>
    q
      .access(S1, tensor(1), BLOCK, 'write', 'aten::mul', tensor(1), 40)
      .sync('stream', S1, 700)
      .access(S0, tensor(1), BLOCK, 'read', 'aten::sum', tensor(1), 43),
  ),
  fx(
    'host/event_recorded_before_write',
    1,
    (q) =>
      q
        .record(event(0), S1)
        .access(S1, tensor(1), BLOCK, 'write', 'aten::mul', tensor(1), 50)
        .wait(event(0), S0)
        .access(S0, tensor(1), BLOCK, 'read', 'aten::sum', tensor(1), 52),
    ['read-after-write'],
  ),
  fx('host/event_recorded_after_write', 0, (q) =>
    q
      .access(S1, tensor(1), BLOCK, 'write', 'aten::mul', tensor(1), 50)
      .record(event(0), S1)
      .wait(event(0), S0)
      .access(S0, tensor(1), BLOCK, 'read', 'aten::sum', tensor(1), 52),
  ),
  fx('host/event_query_complete', 0, (q) =>
    q
      .access(S1, tensor(1), BLOCK, 'write', 'aten::mul', tensor(1), 50)
      .record(event(0), S1)
      .rec('event_query', { event: event(0), result: 0 })
      .access(S0, tensor(1), BLOCK, 'read', 'aten::sum', tensor(1), 52),
  ),
  fx('host/stream_query_complete', 0, (q) =>
    q
      .access(S1, tensor(1), BLOCK, 'write', 'aten::mul', tensor(1), 50)
      .rec('stream_query', { stream: S1, result: 0 })
      .access(S0, tensor(1), BLOCK, 'read', 'aten::sum', tensor(1), 52),
  ),
  // a copy on the side stream fills a buffer the default stream then copies out
  fx(
    'host/copies',
    1,
    (q) =>
      q
        .rec('memcpy', { dst: tensor(1), src: 0x7000_0000, bytes: BLOCK, stream: S1, dir: 'h2d', is_async: 1 })
        .rec('memcpy', { dst: 0x7100_0000, src: tensor(1) + 512, bytes: 512, stream: S0, dir: 'd2h', is_async: 1 }),
    ['read-after-write'],
  ),
  // the host thread synchronized the device: what it enqueues afterwards is ordered
  fx('host/second_thread_after_device_sync', 0, (q) =>
    q
      .access(S1, tensor(1), BLOCK, 'write', 'aten::mul', tensor(1), 60, 1)
      .sync('device', 0, 0, 1)
      .access(S2, tensor(1), BLOCK, 'read', 'aten::sum', tensor(1), 62, 2),
  ),
  // the host reads pinned memory an asynchronous device-to-host copy writes
  // (`x.to("cpu", non_blocking=True)` then `.tolist()`): only what the host
  // knows finished orders the read; a sync of another stream does not
  ...hostReadFixtures(),
  // every occurrence counts: the same pair of lines racing 5 times is one finding with count 5
  fx('host/grouped_by_site_pair', 5, (q) => {
    for (let i = 0; i < 5; i++) {
      q.access(S1, tensor(1), BLOCK, 'write', 'aten::mul', tensor(1), 70)
        .access(S0, tensor(1), BLOCK, 'read', 'aten::sum', tensor(1), 71)
        .sync('device');
    }
  }),
];

function hostReadFixtures(): RaceFixture[] {
  /** A pinned host buffer (its address). */
  const PINNED = 0x7200_0000;
  const copyThen = (q: Seq, line = 80) =>
    q
      .access(S0, tensor(1), BLOCK, 'write', 'aten::argmax', tensor(1), line)
      .record(event(0), S0)
      .wait(event(0), S1)
      .rec('memcpy', { dst: PINNED, src: tensor(1), bytes: 512, stream: S1, dir: 'd2h', is_async: 1 }, 1, line + 2)
      .record(event(1), S1);
  const read = (q: Seq, line = 90, ptr = PINNED, bytes = 64) =>
    q.rec('host_access', { ptr, bytes, base: PINNED, op: 'Tensor.tolist', mode: 'read' }, 1, line);
  return [
    fx('host/read_before_copy_done', 1, (q) => read(copyThen(q)), ['host-read-before-copy']),
    // the program synchronized its current stream, not the copy's
    fx('host/read_after_wrong_stream_sync', 1, (q) => read(copyThen(q).sync('stream', S0)), ['host-read-before-copy']),
    fx('host/read_after_event_sync', 0, (q) => read(copyThen(q).sync('event', event(1)))),
    fx('host/read_after_event_query_complete', 0, (q) => read(copyThen(q).rec('event_query', { event: event(1), result: 0 }))),
    // a query that said "not yet" orders nothing
    fx('host/read_after_event_query_pending', 1, (q) => read(copyThen(q).rec('event_query', { event: event(1), result: 600 })), [
      'host-read-before-copy',
    ]),
    fx('host/read_after_copy_stream_sync', 0, (q) => read(copyThen(q).sync('stream', S1))),
    fx('host/read_after_device_sync', 0, (q) => read(copyThen(q).sync('device'))),
    // bytes the copy does not write
    fx('host/read_outside_copy', 0, (q) => read(copyThen(q), 90, PINNED + 512, 64)),
    // a synchronous copy returns when it is done
    fx('host/read_after_sync_copy', 0, (q) =>
      read(q.rec('memcpy', { dst: PINNED, src: tensor(1), bytes: 512, stream: S1, dir: 'd2h', is_async: 0 }, 1, 82)),
    ),
  ];
}

export const ALL_FIXTURES = [...CSAN_FIXTURES, ...MISS_FIXTURES, ...HOST_FIXTURES];
