// Vertical layout: lanes (one per GPU stream or host thread) stacked top to bottom,
// each made of tracks (rows): host API calls (launches, copies), nested host calls, a thin
// slot-ownership row, GPU work.

export const TRACK_HEIGHT = { api: 8, gpu: 18, nest: 15, slot: 7, instant: 12 };
export const LANE_PAD = 6;

/**
 * The part of the page a frame draws: times t0..t1 across `width` CSS px, and the rows
 * from `top` (the scroll offset) down `height` px.
 * @typedef {{ t0: number, t1: number, width: number, top: number, height: number }} View
 */
export const MIN_LANE_HEIGHT = 32;

/**
 * @typedef {{ laneY: Float64Array, laneH: Float64Array, trackY: Float64Array, trackH: Float64Array, height: number }} Layout
 *   all in CSS px from the top of the lane area.
 * @param {import('../src/report/payload-types.js').Lane[]} lanes
 * @param {import('../src/report/payload-types.js').Track[]} tracks in drawing order (row ascending within a lane)
 * @param {Record<string, number> & { instant: number, nest: number }} [heights]
 * @param {number} [pad]
 * @returns {Layout}
 */
export function layoutLanes(lanes, tracks, heights = TRACK_HEIGHT, pad = LANE_PAD) {
  const laneY = new Float64Array(lanes.length);
  const laneH = new Float64Array(lanes.length);
  const trackY = new Float64Array(tracks.length);
  const trackH = new Float64Array(tracks.length);
  const byLane = lanes.map(() => /** @type {number[]} */ ([]));
  tracks.forEach((t, i) => {
    byLane[t.lane]?.push(i);
  });
  let y = 0;
  for (let l = 0; l < lanes.length; l++) {
    laneY[l] = y;
    let h = pad / 2;
    // every lane has a top row for instants even when it has no interval tracks
    const ids = byLane[l].slice().sort((a, b) => tracks[a].row - tracks[b].row || a - b);
    if (ids.length === 0) h += heights.instant;
    for (const t of ids) {
      trackY[t] = y + h;
      trackH[t] = heights[tracks[t].kind] ?? heights.nest;
      h += trackH[t];
    }
    h += pad / 2;
    // room for the two-line label (name, detail)
    if (h < MIN_LANE_HEIGHT) h = MIN_LANE_HEIGHT;
    laneH[l] = h;
    y += h;
  }
  return { laneY, laneH, trackY, trackH, height: y };
}

/**
 * The lane under vertical position y, or -1.
 * @param {Layout} layout
 * @param {number} y
 * @returns {number}
 */
export function laneAtY(layout, y) {
  const { laneY, laneH } = layout;
  let lo = 0;
  let hi = laneY.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (y < laneY[mid]) hi = mid - 1;
    else if (y >= laneY[mid] + laneH[mid]) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * The track under vertical position y, or -1 (tracks of a lane are contiguous in y).
 * @param {Layout} layout
 * @param {number} y
 * @returns {number}
 */
export function trackAtY(layout, y) {
  for (let t = 0; t < layout.trackY.length; t++) {
    if (y >= layout.trackY[t] && y < layout.trackY[t] + layout.trackH[t]) return t;
  }
  return -1;
}
