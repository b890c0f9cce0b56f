// Summary of a selected time range: busy time per stream, time with two or more
// streams busy at once (overlap), and time each host thread spent blocked in syncs.
import { visibleRange } from './lod.js';

const GPU_CATS = new Set(['kernel', 'commit', 'memcpy', 'memset']);
const BLOCKING_CATS = new Set(['sync', 'elapsed']);

/** @typedef {[number, number]} Pair */

/**
 * Sorted, merged [a, b) pairs of the intervals of `tracks` (with a category in `cats`) clipped to [t0, t1].
 * @param {import('./model.js').Model} data
 * @param {number[]} tracks
 * @param {Set<string>} cats
 * @param {number} t0
 * @param {number} t1
 * @returns {Pair[]}
 */
export function clippedUnion(data, tracks, cats, t0, t1) {
  /** @type {Pair[]} */
  const pairs = [];
  for (const t of tracks) {
    const [i0, i1] = visibleRange(data.start, data.trackOffsets[t], data.trackOffsets[t + 1], data.maxDur[t], t0, t1);
    for (let i = i0; i < i1; i++) {
      if (!cats.has(data.catNames[data.cat[i]])) continue;
      const a = Math.max(t0, data.start[i]);
      const b = Math.min(t1, data.start[i] + data.dur[i]);
      if (b > a) pairs.push([a, b]);
    }
  }
  pairs.sort((p, q) => p[0] - q[0]);
  /** @type {Pair[]} */
  const out = [];
  for (const p of pairs) {
    const last = out[out.length - 1];
    if (last && p[0] <= last[1]) last[1] = Math.max(last[1], p[1]);
    else out.push([p[0], p[1]]);
  }
  return out;
}

const total = (/** @type {Pair[]} */ pairs) => pairs.reduce((s, p) => s + (p[1] - p[0]), 0);

/**
 * Time covered by at least `k` of the given unions (each a sorted merged pair list).
 * @param {Pair[][]} unions
 * @param {number} k
 * @returns {number}
 */
export function coveredByAtLeast(unions, k) {
  /** @type {Pair[]} */
  const edges = [];
  for (const u of unions) for (const [a, b] of u) edges.push([a, 1], [b, -1]);
  edges.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  let depth = 0;
  let since = 0;
  let sum = 0;
  for (const [t, d] of edges) {
    if (depth >= k) sum += t - since;
    depth += d;
    since = t;
  }
  return sum;
}

/**
 * The range summary: t0, t1, spanNs, streams [{lane, label, busyNs}], overlapNs, threads [{lane, label, blockedNs}].
 * @param {import('./model.js').Model} data decoded model
 * @param {number} t0
 * @param {number} t1
 */
export function summarizeRange(data, t0, t1) {
  const tracksOf = data.lanes.map(() => /** @type {number[]} */ ([]));
  data.tracks.forEach((t, i) => {
    tracksOf[t.lane].push(i);
  });
  /** @type {{ lane: number, label: string, busyNs: number }[]} */
  const streams = [];
  /** @type {Pair[][]} */
  const unions = [];
  /** @type {{ lane: number, label: string, blockedNs: number }[]} */
  const threads = [];
  data.lanes.forEach((lane, l) => {
    if (lane.kind === 'stream') {
      const u = clippedUnion(data, tracksOf[l], GPU_CATS, t0, t1);
      unions.push(u);
      streams.push({ lane: l, label: lane.label, busyNs: total(u) });
    } else {
      const u = clippedUnion(data, tracksOf[l], BLOCKING_CATS, t0, t1);
      threads.push({ lane: l, label: lane.label, blockedNs: total(u) });
    }
  });
  return {
    t0,
    t1,
    spanNs: t1 - t0,
    streams,
    overlapNs: coveredByAtLeast(unions, 2),
    anyBusyNs: coveredByAtLeast(unions, 1),
    threads,
  };
}
