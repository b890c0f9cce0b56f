// Level of detail for interval tracks. Intervals of one track are sorted by start;
// a frame draws only what intersects the view, merging neighbours closer than a
// pixel, or, when even that would touch too many intervals, a busy-fraction heat strip.

/**
 * First index in [lo, hi) whose value is >= v (values sorted ascending).
 * @param {ArrayLike<number>} values
 * @param {number} v
 * @param {number} lo
 * @param {number} hi
 * @returns {number}
 */
export function lowerBound(values, v, lo, hi) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Index range [i0, i1) of a track's intervals that may intersect [t0, t1].
 * `maxDur` is the longest interval of the track, so nothing starting before t0 - maxDur can reach t0.
 * @param {ArrayLike<number>} start
 * @param {number} lo
 * @param {number} hi
 * @param {number} maxDur
 * @param {number} t0
 * @param {number} t1
 * @returns {[number, number]}
 */
export function visibleRange(start, lo, hi, maxDur, t0, t1) {
  const i0 = lowerBound(start, t0 - maxDur, lo, hi);
  const i1 = lowerBound(start, t1, i0, hi);
  // start[i1] >= t1 is excluded, but an interval starting exactly at t1 is still visible at the edge.
  let end = i1;
  while (end < hi && start[end] === t1) end++;
  return [i0, end];
}

/**
 * Longest duration of each track, for visibleRange.
 * @param {ArrayLike<number>} dur
 * @param {ArrayLike<number>} offsets
 * @returns {Float64Array}
 */
export function maxDurations(dur, offsets) {
  const out = new Float64Array(offsets.length - 1);
  for (let t = 0; t + 1 < offsets.length; t++) {
    let m = 0;
    for (let i = offsets[t]; i < offsets[t + 1]; i++) if (dur[i] > m) m = dur[i];
    out[t] = m;
  }
  return out;
}

/**
 * Screen rectangles for intervals [i0, i1) under the linear map px = (t - domain0) * k + range0.
 * An interval that starts less than `minGap` px after the current rectangle's end joins it, so
 * a million sub-pixel kernels become a few hundred rectangles. Every rectangle is at least
 * `minWidth` px wide so that short work stays visible.
 * Returns {n, x, w, count, first, hit}: `first` is the first merged interval (for colour and
 * hover), `count` how many were merged, `hit` 1 when any merged interval satisfies `isHit`.
 * @param {ArrayLike<number>} start
 * @param {ArrayLike<number>} dur
 * @param {number} i0
 * @param {number} i1
 * @param {number} domain0
 * @param {number} k
 * @param {number} range0
 * @param {{ minGap?: number, minWidth?: number, clip0?: number, clip1?: number, isHit?: ((i: number) => boolean) | null }} [opts]
 */
export function mergeIntervals(start, dur, i0, i1, domain0, k, range0, opts = {}) {
  const minGap = opts.minGap ?? 1;
  const minWidth = opts.minWidth ?? 1;
  const clip0 = opts.clip0 ?? -Infinity;
  const clip1 = opts.clip1 ?? Infinity;
  const isHit = opts.isHit;
  const cap = Math.max(16, Math.min(i1 - i0, 65536));
  let x = new Float32Array(cap);
  let w = new Float32Array(cap);
  let count = new Uint32Array(cap);
  let first = new Uint32Array(cap);
  let hit = new Uint8Array(cap);
  let n = 0;
  let cx0 = 0;
  let cx1 = -Infinity;
  for (let i = i0; i < i1; i++) {
    let a = (start[i] - domain0) * k + range0;
    let b = (start[i] + dur[i] - domain0) * k + range0;
    if (b < clip0 || a > clip1) continue;
    if (a < clip0) a = clip0;
    if (b > clip1) b = clip1;
    if (b - a < minWidth) b = a + minWidth;
    const h = isHit?.(i) ? 1 : 0;
    if (n > 0 && a - cx1 < minGap) {
      if (b > cx1) cx1 = b;
      w[n - 1] = cx1 - cx0;
      count[n - 1]++;
      hit[n - 1] |= h;
      continue;
    }
    if (n === x.length) {
      /**
       * @template {Float32Array | Uint32Array | Uint8Array} T
       * @param {T} A
       * @returns {T}
       */
      const grow = (A) => {
        const B = new /** @type {new (n: number) => T} */ (A.constructor)(A.length * 2);
        B.set(A);
        return B;
      };
      x = grow(x);
      w = grow(w);
      count = grow(count);
      first = grow(first);
      hit = grow(hit);
    }
    cx0 = a;
    cx1 = b;
    x[n] = a;
    w[n] = b - a;
    count[n] = 1;
    first[n] = i;
    hit[n] = h;
    n++;
  }
  return { n, x, w, count, first, hit };
}

/**
 * Busy fraction of each of `n` equal buckets over [t0, t1) for intervals [lo, hi):
 * the heat strip drawn when a track is too dense to merge per frame. Overlapping
 * intervals can push a bucket above 1; it is clamped.
 * @param {ArrayLike<number>} start
 * @param {ArrayLike<number>} dur
 * @param {number} lo
 * @param {number} hi
 * @param {number} t0
 * @param {number} t1
 * @param {number} n
 * @returns {Float32Array}
 */
export function busyBuckets(start, dur, lo, hi, t0, t1, n) {
  const out = new Float32Array(n);
  const width = (t1 - t0) / n;
  if (!(width > 0)) return out;
  for (let i = lo; i < hi; i++) {
    let a = start[i] - t0;
    let b = a + dur[i];
    if (b <= 0 || a >= t1 - t0) continue;
    if (a < 0) a = 0;
    if (b > t1 - t0) b = t1 - t0;
    let ba = Math.floor(a / width);
    const bb = Math.min(n - 1, Math.floor(b / width));
    if (ba === bb) {
      out[ba] += (b - a) / width;
      continue;
    }
    out[ba] += ba + 1 - a / width;
    for (ba++; ba < bb; ba++) out[ba] += 1;
    out[bb] += b / width - bb;
  }
  for (let i = 0; i < n; i++) if (out[i] > 1) out[i] = 1;
  return out;
}

/**
 * Resamples bucket fractions (buckets of `bucketNs` from time 0) onto `columns` pixel columns
 * starting at time `t0`, `nsPerPx` each: the mean busy fraction under each column.
 * @param {ArrayLike<number>} buckets
 * @param {number} bucketNs
 * @param {number} t0
 * @param {number} nsPerPx
 * @param {number} columns
 * @returns {Float32Array}
 */
export function heatColumns(buckets, bucketNs, t0, nsPerPx, columns) {
  const out = new Float32Array(columns);
  const nb = buckets.length;
  for (let c = 0; c < columns; c++) {
    const a = (t0 + c * nsPerPx) / bucketNs;
    const b = (t0 + (c + 1) * nsPerPx) / bucketNs;
    if (b <= 0 || a >= nb) continue;
    let sum = 0;
    let covered = 0;
    for (let j = Math.max(0, Math.floor(a)); j < Math.min(nb, Math.ceil(b)); j++) {
      const overlap = Math.min(b, j + 1) - Math.max(a, j);
      sum += buckets[j] * overlap;
      covered += overlap;
    }
    out[c] = covered > 0 ? sum / (b - a) : 0;
  }
  return out;
}

/**
 * Instants [i0, i1) at least `minGap` px apart: a dense run of ticks draws as one tick per pixel.
 * @param {ArrayLike<number>} ts
 * @param {number} i0
 * @param {number} i1
 * @param {number} domain0
 * @param {number} k
 * @param {number} range0
 * @param {number} [minGap]
 * @returns {number[]}
 */
export function thinInstants(ts, i0, i1, domain0, k, range0, minGap = 1) {
  /** @type {number[]} */
  const picked = [];
  let last = -Infinity;
  for (let i = i0; i < i1; i++) {
    const x = (ts[i] - domain0) * k + range0;
    if (x - last < minGap) continue;
    picked.push(i);
    last = x;
  }
  return picked;
}
