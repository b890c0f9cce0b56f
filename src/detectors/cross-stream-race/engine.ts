/**
 * The happens-before engine of cross-stream-race: vector clocks over the
 * ordered records, and a byte-interval map of the last write and the reads
 * since it. Pure (no DuckDB), so the bench can feed it synthetic records.
 *
 * Model (README.md says why):
 * - Every stream s has a clock C[s]; an access on s ticks C[s][s]. Stream
 *   order is program order of enqueues: two accesses on one stream never race.
 * - The host has one clock H: what the host knows has finished (syncs that
 *   returned, event/stream queries that said "complete", synchronous copies,
 *   `cudaFree`, `record_stream` blocks the allocator handed out again). Work
 *   enqueued after the host knew is ordered after it, so an access on s is
 *   ordered after access (p, q) when p = s or q <= max(C[s][p], H[p]).
 * - Event record snapshots max(C[s], H); a wait merges the snapshot into the
 *   waiting stream; create/destroy forget the snapshot (a wait on an
 *   unrecorded event does nothing, as in CUDA).
 * - Conflicts: an unordered pair of accesses to overlapping bytes, at least
 *   one a write. The interval map keeps, per byte range, the last write and
 *   the last read of each stream since it; history survives frees.
 * - Host reads (pinned memory read from Python) are ordered after what H
 *   covers and before everything enqueued after them, so they are only
 *   checked, never kept: a host read of bytes whose last write (an
 *   asynchronous device-to-host copy) H does not cover is a conflict.
 */

export const OP = {
  TENSOR: 1,
  BUFFER: 2,
  COPY: 3,
  MEMSET: 4,
  HOST_DONE: 5,
  EV_RECORD: 10,
  EV_WAIT: 11,
  EV_CREATE: 12,
  EV_DESTROY: 13,
  EV_QUERY: 14,
  ST_QUERY: 15,
  SYNC_BEGIN: 16,
  SYNC_END: 17,
  ST_CREATE: 18,
  ALLOC: 19,
  FREE: 20,
  RECORD_STREAM: 21,
  HOST_ACCESS: 22,
} as const;

/** Stream index of the host's own accesses (host_access: Python reading pinned memory). */
export const HOST = -1;

/** Sync scopes as query.sql codes them. */
const SCOPE_DEVICE = 1;
const SCOPE_STREAM = 2;
const SCOPE_EVENT = 3;
/** mem-kind code of a backend device allocation (its free, cudaFree, synchronizes the device). */
const MEM_DEVICE = 1;

export const MODE_READ = 1;
export const MODE_WRITE = 2;

/** A storage lifetime (alloc record). */
export interface Alloc {
  id: number;
  site: number;
  ptr: number;
  bytes: number;
  live: boolean;
}

/** One access as the interval map remembers it. */
export interface Access {
  id: number;
  tid: number;
  site: number;
  /** Stream index (see RaceEngine.handles). */
  s: number;
  /** The stream's clock value at this access. */
  seq: number;
  mode: number;
  /** String id of the op name, 0 when none. */
  name: number;
  /** Record kind code (OP.TENSOR, OP.COPY, ...). */
  op: number;
  alloc: Alloc | null;
}

interface Seg {
  lo: number;
  hi: number;
  w: Access | null;
  /** Last read of each stream since `w` (at most one per stream). */
  r: Access[];
}

export type ConflictType = 'read-after-write' | 'write-after-read' | 'write-after-write';

export interface Conflict {
  kind: ConflictType | 'allocator-reuse' | 'host-read-before-copy';
  type: ConflictType;
  prev: Access;
  cur: Access;
  /** Allocation of the current access's storage (null when unknown). */
  curAlloc: Alloc | null;
  count: number;
  lastId: number;
  /** Bytes of the first occurrence's overlap. */
  bytes: number;
}

type Vec = number[];

/**
 * A map keyed by 64-bit handles/addresses held in doubles. V8's Map hashes
 * such keys poorly when they differ only in high bits (addresses 1 MiB
 * apart collide), so keys are bucketed by a mixed 30-bit hash (a small
 * integer, which Map handles fast) and compared exactly within the bucket.
 */
export class NumMap<V> {
  private readonly m = new Map<number, { k: number; v: V }[]>();
  /** Number of keys held. */
  size = 0;
  private static h(k: number): number {
    const lo = k >>> 0;
    const hi = Math.floor(k / 4294967296) >>> 0;
    return (Math.imul(lo ^ (lo >>> 15), 0x2c1b3c6d) ^ Math.imul(hi ^ (hi >>> 13), 0x297a2d39) ^ (lo >>> 20)) & 0x3fffffff;
  }
  get(k: number): V | undefined {
    const b = this.m.get(NumMap.h(k));
    if (!b) return undefined;
    for (let i = 0; i < b.length; i++) if (b[i]!.k === k) return b[i]!.v;
    return undefined;
  }
  set(k: number, v: V): void {
    const h = NumMap.h(k);
    const b = this.m.get(h);
    if (!b) {
      this.m.set(h, [{ k, v }]);
      this.size++;
      return;
    }
    for (let i = 0; i < b.length; i++)
      if (b[i]!.k === k) {
        b[i]!.v = v;
        return;
      }
    b.push({ k, v });
    this.size++;
  }
  delete(k: number): void {
    const h = NumMap.h(k);
    const b = this.m.get(h);
    if (!b) return;
    const i = b.findIndex((e) => e.k === k);
    if (i < 0) return;
    this.size--;
    if (b.length === 1) this.m.delete(h);
    else b.splice(i, 1);
  }
  /** Removes every entry whose value `drop` says to. */
  deleteWhere(drop: (v: V) => boolean): void {
    for (const [h, b] of this.m) {
      const keep = b.filter((e) => !drop(e.v));
      if (keep.length === b.length) continue;
      this.size -= b.length - keep.length;
      if (keep.length === 0) this.m.delete(h);
      else this.m.set(h, keep);
    }
  }
}

function joinInto(dst: Vec, src: Vec | undefined): boolean {
  if (!src) return false;
  let grew = false;
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (v > (dst[i] ?? 0)) {
      dst[i] = v;
      grew = true;
    }
  }
  return grew;
}

export interface EngineOptions {
  /** One row per occurrence instead of one per (kind, site pair). */
  grouped?: boolean;
  /** Occurrences kept when not grouped. */
  maxRows?: number;
}

export class RaceEngine {
  /** Stream handle of each stream index. */
  readonly handles: number[] = [];
  private readonly sidx = new NumMap<number>();
  private lastHandle = NaN;
  private lastStream = -1;
  private readonly clk: Vec[] = [];
  private readonly host: Vec = [];
  private readonly events = new NumMap<Vec>();
  private readonly pendingSync = new Map<number, { scope: number; snap: Vec | undefined }>();
  private readonly allocs = new NumMap<Alloc>();
  private readonly recorded = new NumMap<number[]>();
  private reusePending: { lo: number; hi: number; snap: Vec }[] = [];
  private segs: Seg[] = [];
  private sinceSweep = 0;
  /** Event snapshots held before the next sweep of `events` (see sweepEvents). */
  private eventsSweepAt = 4096;
  private dedupeCur: Access | null = null;
  private readonly dedupe = new Set<Access>();
  readonly groups = new Map<string, Conflict>();
  readonly rows: Conflict[] = [];
  private readonly grouped: boolean;
  private readonly maxRows: number;
  /** Counters for the bench and tests. */
  accesses = 0;
  maxSegs = 0;

  constructor(opts: EngineOptions = {}) {
    this.grouped = opts.grouped ?? true;
    this.maxRows = opts.maxRows ?? 20000;
  }

  get liveSegments(): number {
    return this.segs.length;
  }

  stream(h: number): number {
    if (h === this.lastHandle) return this.lastStream;
    let s = this.sidx.get(h);
    if (s === undefined) {
      s = this.handles.length;
      this.sidx.set(h, s);
      this.handles.push(h);
      this.clk.push([]);
    }
    this.lastHandle = h;
    this.lastStream = s;
    return s;
  }

  /** max(C[s], H): what work enqueued on s now is ordered after. */
  private eff(s: number): Vec {
    const v = this.clk[s]!.slice();
    joinInto(v, this.host);
    return v;
  }

  private ordered(prev: Access, s: number): boolean {
    if (prev.s === s) return true;
    const c = this.clk[s]![prev.s] ?? 0;
    const h = this.host[prev.s] ?? 0;
    return prev.seq <= Math.max(c, h);
  }

  private hostLearns(v: Vec | undefined): void {
    if (joinInto(this.host, v)) this.maybeSweep();
  }

  /** The host knows every stream's work so far (device sync, cudaFree). */
  private deviceSnapshot(): Vec {
    const v: Vec = [];
    for (let s = 0; s < this.clk.length; s++) v[s] = this.clk[s]![s] ?? 0;
    return v;
  }

  /** One record from query.sql (see its column list). */
  row(
    id: number,
    tid: number,
    site: number,
    op: number,
    stream: number,
    obj: number,
    ptr: number,
    bytes: number,
    base: number,
    mode: number,
    name: number,
    res: number,
  ): void {
    switch (op) {
      case OP.TENSOR:
      case OP.BUFFER:
      case OP.COPY:
      case OP.MEMSET:
        this.access(id, tid, site, op, stream, ptr, bytes, base, mode, name);
        return;
      case OP.HOST_DONE:
      case OP.ST_QUERY: {
        const s = this.stream(stream);
        this.hostLearns(this.clk[s]);
        return;
      }
      case OP.EV_RECORD:
        this.events.set(obj, this.eff(this.stream(stream)));
        if (this.events.size >= this.eventsSweepAt) this.sweepEvents();
        return;
      case OP.EV_WAIT: {
        const snap = this.events.get(obj);
        if (snap) joinInto(this.clk[this.stream(stream)]!, snap);
        return;
      }
      case OP.EV_CREATE:
      case OP.EV_DESTROY:
        this.events.delete(obj);
        return;
      case OP.EV_QUERY:
        this.hostLearns(this.events.get(obj));
        return;
      case OP.SYNC_BEGIN:
        this.pendingSync.set(tid, { scope: mode, snap: this.syncSnapshot(mode, obj) });
        return;
      case OP.SYNC_END: {
        const p = this.pendingSync.get(tid);
        this.pendingSync.delete(tid);
        if (res !== 0 || mode === 0) return;
        // What the call waited for is what was enqueued when it began; a
        // sync_end without its begin (trace started inside it) uses now.
        this.hostLearns(p && p.scope === mode ? p.snap : this.syncSnapshot(mode, obj));
        return;
      }
      case OP.ST_CREATE: {
        // A new stream starts from what the host knows: max(C, H) covers it.
        this.stream(stream);
        return;
      }
      case OP.ALLOC: {
        // The allocator hands out a block that had record_stream uses only
        // once the recorded streams' work at free time was done.
        if (this.reusePending.length > 0) {
          const hi = ptr + bytes;
          const keep = [];
          for (const p of this.reusePending) {
            if (p.lo < hi && ptr < p.hi) this.hostLearns(p.snap);
            else keep.push(p);
          }
          this.reusePending = keep;
        }
        this.allocs.set(ptr, { id, site, ptr, bytes, live: true });
        return;
      }
      case OP.FREE: {
        const a = this.allocs.get(ptr);
        if (a) {
          a.live = false;
          this.allocs.delete(ptr);
          const rec = this.recorded.get(ptr);
          if (rec) {
            this.recorded.delete(ptr);
            for (const s of rec) this.reusePending.push({ lo: a.ptr, hi: a.ptr + a.bytes, snap: this.eff(s) });
          }
        }
        if (res === MEM_DEVICE) this.hostLearns(this.deviceSnapshot());
        return;
      }
      case OP.HOST_ACCESS:
        this.hostAccess(id, tid, site, ptr, bytes, mode, name);
        return;
      case OP.RECORD_STREAM: {
        const s = this.stream(stream);
        const rec = this.recorded.get(ptr);
        if (!rec) this.recorded.set(ptr, [s]);
        else if (!rec.includes(s)) rec.push(s);
        return;
      }
      default:
    }
  }

  private syncSnapshot(scope: number, target: number): Vec | undefined {
    if (scope === SCOPE_DEVICE) return this.deviceSnapshot();
    if (scope === SCOPE_STREAM) return this.eff(this.stream(target));
    if (scope === SCOPE_EVENT) return this.events.get(target)?.slice();
    return undefined;
  }

  access(
    id: number,
    tid: number,
    site: number,
    op: number,
    stream: number,
    ptr: number,
    bytes: number,
    base: number,
    mode: number,
    name: number,
  ): void {
    if (!(bytes > 0) || mode === 0) return;
    const s = this.stream(stream);
    const c = this.clk[s]!;
    const seq = (c[s] ?? 0) + 1;
    c[s] = seq;
    this.accesses++;
    this.sinceSweep++;
    const alloc = this.allocs.get(base !== 0 ? base : ptr) ?? null;
    const acc: Access = { id, tid, site, s, seq, mode, name, op, alloc };
    const lo = ptr;
    const hi = ptr + bytes;
    const segs = this.segs;
    // one binary search: split the segment holding lo, then walk to hi
    const i = this.lowerBound(lo);
    if (i > 0) {
      const p = segs[i - 1]!;
      if (p.hi > lo) {
        segs.splice(i, 0, { lo, hi: p.hi, w: p.w, r: p.r.slice() });
        p.hi = lo;
      }
    }
    let j = i;
    while (j < segs.length && segs[j]!.lo < hi) j++;
    if (j > i) {
      const q = segs[j - 1]!;
      if (q.hi > hi) {
        segs.splice(j, 0, { lo: hi, hi: q.hi, w: q.w, r: q.r.slice() });
        q.hi = hi;
      }
    }
    const writes = (mode & MODE_WRITE) !== 0;
    const reads = (mode & MODE_READ) !== 0;
    for (let k = i; k < j; k++) {
      const seg = segs[k]!;
      const w = seg.w;
      if (w && !this.ordered(w, s)) this.conflict(w, acc, reads ? 'read-after-write' : 'write-after-write', seg);
      if (writes) {
        for (const r of seg.r) if (!this.ordered(r, s)) this.conflict(r, acc, 'write-after-read', seg);
      }
    }
    if (writes) {
      // The write supersedes everything in [lo, hi): later accesses ordered
      // after it are ordered after what it was ordered after.
      if (j - i === 1 && segs[i]!.lo === lo && segs[i]!.hi === hi) {
        const seg = segs[i]!;
        seg.w = acc;
        if (seg.r.length > 0) seg.r = [];
      } else {
        segs.splice(i, j - i, { lo, hi, w: acc, r: [] });
      }
    } else {
      let cursor = lo;
      let gaps: Seg[] | null = null;
      for (let k = i; k < j; k++) {
        const seg = segs[k]!;
        if (seg.lo > cursor) (gaps ??= []).push({ lo: cursor, hi: seg.lo, w: null, r: [acc] });
        const r = seg.r;
        let put = false;
        for (let x = 0; x < r.length; x++)
          if (r[x]!.s === s) {
            r[x] = acc;
            put = true;
            break;
          }
        if (!put) r.push(acc);
        cursor = seg.hi;
      }
      if (cursor < hi) (gaps ??= []).push({ lo: cursor, hi, w: null, r: [acc] });
      if (gaps) {
        if (j === i) segs.splice(i, 0, gaps[0]!);
        else for (const g of gaps) segs.splice(this.lowerBound(g.lo), 0, g);
      }
    }
    if (segs.length > this.maxSegs) this.maxSegs = segs.length;
  }

  /**
   * The host read [ptr, ptr+bytes) itself: the last stream write of those
   * bytes (an asynchronous device-to-host copy) must already be known
   * finished (H). Host writes are not recorded (host_access rows are reads).
   */
  private hostAccess(id: number, tid: number, site: number, ptr: number, bytes: number, mode: number, name: number): void {
    if (!(bytes > 0) || (mode & MODE_READ) === 0) return;
    const acc: Access = { id, tid, site, s: HOST, seq: 0, mode, name, op: OP.HOST_ACCESS, alloc: null };
    const hi = ptr + bytes;
    const segs = this.segs;
    let k = this.lowerBound(ptr);
    if (k > 0 && segs[k - 1]!.hi > ptr) k--;
    for (; k < segs.length && segs[k]!.lo < hi; k++) {
      const w = segs[k]!.w;
      if (w && w.seq > (this.host[w.s] ?? 0)) this.conflict(w, acc, 'read-after-write', segs[k]!, 'host-read-before-copy');
    }
  }

  /** Index of the first segment with lo >= x. */
  private lowerBound(x: number): number {
    const segs = this.segs;
    let a = 0;
    let b = segs.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (segs[m]!.lo < x) a = m + 1;
      else b = m;
    }
    return a;
  }

  private conflict(prev: Access, cur: Access, type: ConflictType, seg: Seg, hostKind?: 'host-read-before-copy'): void {
    if (this.dedupeCur !== cur) {
      this.dedupeCur = cur;
      this.dedupe.clear();
    }
    if (this.dedupe.has(prev)) return;
    this.dedupe.add(prev);
    // The earlier access touched a storage that was freed since: the allocator
    // handed its bytes out again while that access may still be running.
    const kind = hostKind ?? (prev.alloc && !prev.alloc.live ? 'allocator-reuse' : type);
    const bytes = seg.hi - seg.lo;
    if (!this.grouped) {
      if (this.rows.length < this.maxRows) this.rows.push({ kind, type, prev, cur, curAlloc: cur.alloc, count: 1, lastId: cur.id, bytes });
      return;
    }
    const key = `${kind}|${prev.site}|${cur.site}|${prev.op}|${cur.op}`;
    const g = this.groups.get(key);
    if (g) {
      g.count++;
      g.lastId = cur.id;
    } else {
      this.groups.set(key, { kind, type, prev, cur, curAlloc: cur.alloc, count: 1, lastId: cur.id, bytes });
    }
  }

  /**
   * Drops what the host's knowledge made irrelevant: an access every future
   * access is ordered after (seq <= H[stream]) can never race again. Runs
   * when H grew and enough accesses came since the last sweep, so its cost
   * stays proportional to the accesses.
   */
  private maybeSweep(): void {
    if (this.sinceSweep < 1024 || this.sinceSweep < this.segs.length >>> 1) return;
    this.sinceSweep = 0;
    const h = this.host;
    const out: Seg[] = [];
    for (const seg of this.segs) {
      if (seg.w && seg.w.seq <= (h[seg.w.s] ?? 0)) seg.w = null;
      if (seg.r.length > 0) seg.r = seg.r.filter((r) => r.seq > (h[r.s] ?? 0));
      if (seg.w || seg.r.length > 0) out.push(seg);
    }
    this.segs = out;
    this.reusePending = this.reusePending.filter((p) => p.snap.some((v, s) => v > (h[s] ?? 0)));
  }

  /**
   * Forgets event snapshots the host already knows (every component <= H):
   * waiting on one, querying it or synchronizing on it can no longer change
   * anything (H only grows, and every ordering test and every snapshot taken
   * later already includes H), so forgetting it is the same as keeping it.
   * A trace that records ever new event handles (and never destroys them)
   * then holds only the snapshots newer than what the host knows, not one per
   * record. Runs when the map doubled since the last sweep, so its cost stays
   * proportional to the records.
   */
  private sweepEvents(): void {
    const h = this.host;
    this.events.deleteWhere((snap) => {
      for (let i = 0; i < snap.length; i++) if ((snap[i] ?? 0) > (h[i] ?? 0)) return false;
      return true;
    });
    this.eventsSweepAt = Math.max(4096, 2 * this.events.size);
  }

  /** Event snapshots held (bench and tests). */
  get liveEvents(): number {
    return this.events.size;
  }

  /** Conflicts found: one per group (grouped) or per occurrence. */
  conflicts(): Conflict[] {
    return this.grouped ? [...this.groups.values()] : this.rows;
  }
}
