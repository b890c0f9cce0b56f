// Summary of a selected time range: busy time per stream, time with two or more
// streams busy at once (overlap), and time each host thread spent blocked in syncs.
import { visibleRange } from './lod.js';

const GPU_CATS = new Set(['kernel', 'commit', 'memcpy', 'memset']);
const BLOCKING_CATS = new Set(['sync', 'elapsed']);

/** Sorted, merged [a, b) pairs of the intervals of `tracks` (with a category in `cats`) clipped to [t0, t1]. */
export function clippedUnion(data, tracks, cats, t0, t1) {
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
  const out = [];
  for (const p of pairs) {
    const last = out[out.length - 1];
    if (last && p[0] <= last[1]) last[1] = Math.max(last[1], p[1]);
    else out.push([p[0], p[1]]);
  }
  return out;
}

const total = (pairs) => pairs.reduce((s, p) => s + (p[1] - p[0]), 0);

/** Time covered by at least `k` of the given unions (each a sorted merged pair list). */
export function coveredByAtLeast(unions, k) {
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
 * @param data decoded model: lanes, tracks, trackOffsets, start, dur, cat, catNames, maxDur
 * @returns the range summary: t0, t1, spanNs, streams [{lane, label, busyNs}], overlapNs, threads [{lane, label, blockedNs}]
 */
export function summarizeRange(data, t0, t1) {
  const tracksOf = data.lanes.map(() => []);
  data.tracks.forEach((t, i) => {
    tracksOf[t.lane].push(i);
  });
  const streams = [];
  const unions = [];
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
