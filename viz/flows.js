// Flow arrows: event record -> each wait that consumed it (kind 0), and host
// launch -> the GPU execution it started (kind 1, paired by correlation id).
// Level of detail: arrows are grouped by their pixel columns and lanes, so 300
// arrows over 20 px are one arrow with a count, never a black bar.

export const FLOW_COLOR = ['rgba(30, 30, 30, 0.7)', 'rgba(59, 125, 216, 0.5)'];
export const FLOW_LABEL = ['event record → wait', 'launch → GPU execution'];
/** Arrows whose ends fall in the same bins of this many px (and the same lanes and kind) are drawn as one. */
export const FLOW_BIN_PX = 6;
/** At most this many (grouped) arrows are drawn per frame; the status line says how many more there were. */
export const MAX_FLOWS = 600;
/** Beyond this many arrows in view not even grouping is worth a frame: none are drawn, the status line says to zoom in. */
export const MAX_FLOWS_SCANNED = 6000;

/**
 * The y of lane `l`'s first row centre, in view coordinates.
 * @param {import('./layout.js').Layout} layout
 * @param {Int32Array} firstTrack
 * @param {number} l
 * @param {number} top
 * @returns {number}
 */
function laneMidY(layout, firstTrack, l, top) {
  const t = firstTrack[l];
  return (t >= 0 ? layout.trackY[t] + layout.trackH[t] / 2 : layout.laneY[l] + 8) - top;
}

/**
 * The y where arrows attach in a lane: a stream's GPU row, a thread's top row.
 * @param {import('./layout.js').Layout} layout
 * @param {Int32Array} firstTrack
 * @param {Int32Array} gpuTrack
 * @param {number} l
 * @param {number} top
 * @returns {number}
 */
function anchorY(layout, firstTrack, gpuTrack, l, top) {
  const t = gpuTrack[l];
  if (t >= 0) return layout.trackY[t] + layout.trackH[t] / 2 - top;
  return laneMidY(layout, firstTrack, l, top);
}

/**
 * Index range of flows that may be in view: flows are sorted by fromTs and none is longer than maxLag.
 * @param {Pick<import('./model.js').Flows, 'n' | 'fromTs' | 'maxLag'>} f
 * @param {number} t0
 * @param {number} t1
 * @returns {[number, number]}
 */
export function flowRange(f, t0, t1) {
  const lag = f.maxLag ?? Infinity;
  let lo = 0;
  let hi = f.n;
  const a = t0 - lag;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (f.fromTs[m] < a) lo = m + 1;
    else hi = m;
  }
  const i0 = lo;
  hi = f.n;
  const b = t1 + lag;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (f.fromTs[m] <= b) lo = m + 1;
    else hi = m;
  }
  return [i0, lo];
}

/** @typedef {{ x0: number, y0: number, x1: number, y1: number, kind: number, n: number }} FlowGroup */

/**
 * Groups the flows in view: [{x0, y0, x1, y1, kind, n}]; null when more than `limit` are in view.
 * @param {import('./model.js').Model} data
 * @param {import('./layout.js').Layout} layout
 * @param {import('./layout.js').View} view
 * @param {Int32Array} firstTrack
 * @param {Int32Array} gpuTrack
 * @param {number} [limit]
 * @returns {FlowGroup[] | null}
 */
export function groupFlows(data, layout, view, firstTrack, gpuTrack, limit = Infinity) {
  const f = data.flows;
  const k = view.width / (view.t1 - view.t0);
  const [i0, i1] = flowRange(f, view.t0, view.t1);
  if (i1 - i0 > limit) return null;
  /** @type {Map<number, FlowGroup>} */
  const groups = new Map();
  const bin = (/** @type {number} */ x) => Math.max(-1, Math.min(1023, Math.round(x / FLOW_BIN_PX))) + 1;
  for (let i = i0; i < i1; i++) {
    const a = f.fromTs[i];
    const b = f.toTs[i];
    if (Math.max(a, b) < view.t0 || Math.min(a, b) > view.t1) continue;
    const x0 = (a - view.t0) * k;
    const x1 = (b - view.t0) * k;
    const kind = f.kind ? f.kind[i] : 0;
    // one number per (kind, lanes, bins): 2 + 16 + 16 + 10 + 10 bits < 2^53
    const key = (((kind * 65536 + f.fromLane[i]) * 65536 + f.toLane[i]) * 1025 + bin(x0)) * 1025 + bin(x1);
    const g = groups.get(key);
    if (g) {
      g.n++;
      continue;
    }
    const y0 = anchorY(layout, firstTrack, gpuTrack, f.fromLane[i], view.top);
    const y1 = anchorY(layout, firstTrack, gpuTrack, f.toLane[i], view.top);
    groups.set(key, { x0, y0, x1, y1, kind, n: 1 });
  }
  return [...groups.values()];
}

/**
 * Draws the arrows in view (grouped); returns the counts for the status line and the tests.
 * @param {CanvasRenderingContext2D} ctx
 * @param {import('./model.js').Model} data
 * @param {import('./layout.js').Layout} layout
 * @param {import('./layout.js').View} view
 * @param {Int32Array} firstTrack
 * @param {Int32Array} gpuTrack
 * @returns {{ drawn: number, merged: number, skipped: number }}
 */
export function drawFlows(ctx, data, layout, view, firstTrack, gpuTrack) {
  const all = groupFlows(data, layout, view, firstTrack, gpuTrack, MAX_FLOWS_SCANNED);
  if (all === null) {
    const [i0, i1] = flowRange(data.flows, view.t0, view.t1);
    return { drawn: 0, merged: 0, skipped: i1 - i0 };
  }
  const groups = all.filter((g) => !(Math.max(g.y0, g.y1) < -20 || Math.min(g.y0, g.y1) > view.height + 20));
  let drawn = 0;
  let merged = 0;
  for (const g of groups) {
    if (drawn >= MAX_FLOWS) break;
    ctx.strokeStyle = FLOW_COLOR[g.kind] ?? FLOW_COLOR[0];
    ctx.fillStyle = ctx.strokeStyle;
    ctx.lineWidth = g.n > 1 ? Math.min(4, 1.2 + Math.log2(g.n) * 0.6) : 1.2;
    ctx.beginPath();
    ctx.moveTo(g.x0, g.y0);
    const mx = (g.x0 + g.x1) / 2;
    ctx.bezierCurveTo(mx, g.y0, mx, g.y1, g.x1, g.y1);
    ctx.stroke();
    // arrow head at the wait / the GPU start
    const dir = g.x1 >= g.x0 ? 1 : -1;
    ctx.beginPath();
    ctx.moveTo(g.x1, g.y1);
    ctx.lineTo(g.x1 - 6 * dir, g.y1 - 3);
    ctx.lineTo(g.x1 - 6 * dir, g.y1 + 3);
    ctx.closePath();
    ctx.fill();
    if (g.n > 1) {
      ctx.font = '9px system-ui, sans-serif';
      ctx.textBaseline = 'bottom';
      ctx.fillText(`×${g.n}`, mx + 2, (g.y0 + g.y1) / 2 - 1);
    }
    drawn++;
    merged += g.n - 1;
  }
  return { drawn, merged, skipped: Math.max(0, groups.length - drawn) };
}
