// Growable columnar interval buffers and the row assignment that turns one lane's
// intervals into non-overlapping tracks (GPU work that overlapped on a stream,
// nested host calls, slot ownership spans).

export class IntervalBuf {
  n = 0;
  start = new Float64Array(64);
  dur = new Float64Array(64);
  name = new Uint32Array(64);
  site = new Uint32Array(64);
  cat = new Uint8Array(64);
  flags = new Uint8Array(64);

  push(start: number, dur: number, name: number, site: number, cat: number, flags: number): void {
    if (this.n === this.start.length) this.grow();
    const i = this.n++;
    this.start[i] = start;
    this.dur[i] = Math.max(0, dur);
    this.name[i] = name;
    this.site[i] = site;
    this.cat[i] = cat;
    this.flags[i] = flags;
  }

  private grow(): void {
    const g = <T extends Float64Array | Uint32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as { new (n: number): T })(a.length * 2);
      b.set(a);
      return b;
    };
    this.start = g(this.start);
    this.dur = g(this.dur);
    this.name = g(this.name);
    this.site = g(this.site);
    this.cat = g(this.cat);
    this.flags = g(this.flags);
  }

  /** Indices sorted by start, longer first on ties (so a parent precedes its children). */
  order(): Uint32Array {
    const idx = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) idx[i] = i;
    const { start, dur } = this;
    let sorted = true;
    for (let i = 1; i < this.n && sorted; i++)
      if (start[i] < start[i - 1] || (start[i] === start[i - 1] && dur[i] > dur[i - 1])) sorted = false;
    if (!sorted) idx.sort((a, b) => start[a] - start[b] || dur[b] - dur[a] || a - b);
    return idx;
  }
}

/**
 * Rows for intervals visited in start order such that no two on a row overlap:
 * the first row whose last interval has ended (greedy interval colouring).
 * Intervals beyond `maxRows` rows share the last row.
 */
export function packRows(buf: IntervalBuf, order: Uint32Array, maxRows = 8): Uint8Array {
  const rows = new Uint8Array(buf.n);
  const ends: number[] = [];
  for (const i of order) {
    const s = buf.start[i];
    let r = ends.findIndex((e) => e <= s);
    if (r < 0) {
      if (ends.length < maxRows) {
        ends.push(0);
        r = ends.length - 1;
      } else r = maxRows - 1;
    }
    ends[r] = Math.max(ends[r], s + buf.dur[i]);
    rows[i] = r;
  }
  return rows;
}

/**
 * Rows for nested calls, visited in start order (longer first on ties): each goes one
 * row below the lowest row still busy at its start, so a call inside a range sits
 * under it, and no two intervals on a row overlap even when calls overlap partially.
 */
export function nestRows(buf: IntervalBuf, order: Uint32Array, maxDepth = 16): Uint8Array {
  const rows = new Uint8Array(buf.n);
  const ends: number[] = [];
  for (const i of order) {
    const s = buf.start[i];
    let r = 0;
    for (let k = 0; k < ends.length; k++) if (ends[k] > s) r = k + 1;
    r = Math.min(r, maxDepth - 1);
    while (ends.length <= r) ends.push(0);
    ends[r] = Math.max(ends[r], s + buf.dur[i]);
    rows[i] = r;
  }
  return rows;
}
