// The page's data model: the inlined payload decoded into typed arrays plus the
// derived indexes the renderer needs (per-track maximum duration, heat buckets).
import { decodeTable, stringList } from './decode.js';
import { maxDurations, busyBuckets } from './lod.js';

/**
 * The page's arrows, column-wise; maxLag is the longest arrow, set after decoding.
 * @typedef {{ n: number, fromTs: Float64Array, fromLane: Uint16Array, toTs: Float64Array, toLane: Uint16Array, kind: Uint8Array, maxLag?: number }} Flows
 */
/** @typedef {ReturnType<typeof decodeModel>} Model */

/** Buckets per track for the zoomed-out heat strip (a 1600 px view spans ~10 of them per px). */
export const HEAT_BUCKETS = 16384;

/**
 * @param {import('../src/report/payload-types.js').ReportPayload & { stringTable?: import('./decode.js').StringTable }} payload
 *   stringTable: set by unpackPayload for a packed payload (else the plain `strings`)
 */
export function decodeModel(payload) {
  const strs = payload.stringTable ?? stringList(payload.strings);
  const iv = decodeTable(payload.intervals);
  const inst = decodeTable(payload.instants);
  const flows = decodeTable(payload.flows);
  const trackOffsets = Uint32Array.from(payload.intervals.offsets);
  const laneOffsets = Uint32Array.from(payload.instants.offsets);
  const spanNs = Math.max(1, payload.spanNs);
  const data = {
    payload,
    spanNs,
    /** the string with id i ('' for none) */
    str: strs.get,
    /** every string, by id (decodes them all the first time) */
    allStrings: strs.all,
    catNames: payload.categories,
    lanes: payload.lanes,
    tracks: payload.tracks,
    findings: payload.findings ?? [],
    trackOffsets,
    start: iv.start,
    dur: iv.dur,
    name: iv.name,
    site: iv.site,
    cat: iv.cat,
    flags: iv.flags,
    nIntervals: iv.n,
    instants: { n: inst.n, laneOffsets, ts: inst.ts, name: inst.name, site: inst.site, cat: inst.cat },
    flows: /** @type {Flows} */ ({
      n: flows.n,
      fromTs: flows.fromTs,
      fromLane: flows.fromLane,
      toTs: flows.toTs,
      toLane: flows.toLane,
      kind: flows.kind ?? new Uint8Array(flows.n),
    }),
    maxDur: maxDurations(iv.dur, trackOffsets),
    heat: /** @type {(Float32Array | null)[]} */ ([]),
    heatBucketNs: spanNs / HEAT_BUCKETS,
  };
  // the longest arrow, so a frame finds the flows in view by binary search on fromTs (sorted)
  let maxLag = 0;
  for (let i = 0; i < flows.n; i++) {
    const d = Math.abs(flows.toTs[i] - flows.fromTs[i]);
    if (d > maxLag) maxLag = d;
  }
  data.flows.maxLag = maxLag;
  for (let t = 0; t < data.tracks.length; t++) {
    const lo = trackOffsets[t];
    const hi = trackOffsets[t + 1];
    // Sparse tracks never need the heat strip; skip the work and memory.
    data.heat.push(hi - lo > 2048 ? busyBuckets(iv.start, iv.dur, lo, hi, 0, spanNs, HEAT_BUCKETS) : null);
  }
  return data;
}

/**
 * The track of lane `l` whose row is lowest: instants and flow endpoints are drawn there.
 * @param {Model} data
 * @returns {Int32Array}
 */
export function firstTrackOfLane(data) {
  const out = new Int32Array(data.lanes.length).fill(-1);
  data.tracks.forEach((t, i) => {
    if (out[t.lane] < 0 || data.tracks[out[t.lane]].row > t.row) out[t.lane] = i;
  });
  return out;
}

/**
 * The first GPU track of each lane (-1 for lanes without one): launch arrows end there.
 * @param {Model} data
 * @returns {Int32Array}
 */
export function gpuTrackOfLane(data) {
  const out = new Int32Array(data.lanes.length).fill(-1);
  data.tracks.forEach((t, i) => {
    if (t.kind === 'gpu' && (out[t.lane] < 0 || data.tracks[out[t.lane]].row > t.row)) out[t.lane] = i;
  });
  return out;
}

/**
 * The time range with activity: GPU work, host calls, instants and findings, not
 * annotation ranges or slot spans that may cover the whole run, padded by 3%.
 * The first view fits it, so a run whose first second is interpreter start-up
 * opens on its work. The whole trace when nothing qualifies.
 * @param {Model} data
 * @returns {[number, number]}
 */
export function activityRange(data) {
  let a = Infinity;
  let b = -Infinity;
  const skip = new Uint8Array(256);
  for (const c of ['range', 'slot']) if (data.catNames.indexOf(c) >= 0) skip[data.catNames.indexOf(c)] = 1;
  const { start, dur, cat } = data;
  for (let i = 0; i < data.nIntervals; i++) {
    if (skip[cat[i]]) continue;
    const s = start[i];
    if (s < a) a = s;
    const e = s + dur[i];
    if (e > b) b = e;
  }
  const ts = data.instants.ts;
  for (let i = 0; i < data.instants.n; i++) {
    if (ts[i] < a) a = ts[i];
    if (ts[i] > b) b = ts[i];
  }
  // context notes (info) describe the whole run; their time is not a place to look
  for (const f of data.findings)
    if (f.severity !== 'info') {
      if (f.t0 < a) a = f.t0;
      if (f.t1 > b) b = f.t1;
    }
  if (!(b > a)) return [0, data.spanNs];
  const pad = (b - a) * 0.03;
  return [Math.max(0, a - pad), Math.min(data.spanNs, b + pad)];
}
