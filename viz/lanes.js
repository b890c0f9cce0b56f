// Draws interval tracks and instants onto a 2D canvas context, with level of detail.
import { visibleRange, mergeIntervals, heatColumns, lowerBound, thinInstants } from './lod.js';
import { CATEGORY_COLOR, OPEN_COLOR, HIT_COLOR, shadeFor, slotColor } from './colors.js';
import { shortName } from './names.js';

/** A track with more visible intervals than this many per pixel column draws as a heat strip. */
export const HEAT_DENSITY = 4;
const FLAG_OPEN = 1;
const FLAG_ERROR = 2;

/** Reusable 1-px-high canvas for heat strips (a row of alpha values, scaled to the track). */
/** @type {HTMLCanvasElement | null} */
let heatCanvas = null;

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {Float32Array} fractions busy fraction per pixel column
 * @param {string} color `#rrggbb`
 * @param {number} x
 * @param {number} y
 * @param {number} h
 */
function heatStrip(ctx, fractions, color, x, y, h) {
  const w = fractions.length;
  if (!heatCanvas || heatCanvas.width < w) {
    heatCanvas = document.createElement('canvas');
    heatCanvas.width = Math.max(w, 256);
    heatCanvas.height = 1;
  }
  // null only for a canvas already given another context type, which this one never is
  const hctx = /** @type {CanvasRenderingContext2D} */ (heatCanvas.getContext('2d'));
  const img = hctx.createImageData(w, 1);
  const r = parseInt(color.slice(1, 3), 16);
  const g = parseInt(color.slice(3, 5), 16);
  const b = parseInt(color.slice(5, 7), 16);
  for (let c = 0; c < w; c++) {
    const f = fractions[c];
    if (f <= 0) continue;
    img.data[c * 4] = r;
    img.data[c * 4 + 1] = g;
    img.data[c * 4 + 2] = b;
    // any work in a column stays visible: a floor of 25% opacity
    img.data[c * 4 + 3] = Math.round(255 * (0.25 + 0.75 * Math.min(1, f)));
  }
  hctx.clearRect(0, 0, heatCanvas.width, 1);
  hctx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(heatCanvas, 0, 0, w, 1, x, y, w, h);
}

/**
 * Draws every track that intersects the vertical window.
 * view: {t0, t1, width, top, height} (time domain in ns; CSS px); style: {isHit?}
 * Returns counts for tests and the bench: rects drawn, tracks drawn as heat strips, intervals in view.
 * @param {CanvasRenderingContext2D} ctx
 * @param {import('./model.js').Model} data
 * @param {import('./layout.js').Layout} layout
 * @param {import('./layout.js').View} view
 * @param {{ isHit?: ((i: number) => boolean) | undefined }} [style]
 */
export function drawTracks(ctx, data, layout, view, style = {}) {
  const k = view.width / (view.t1 - view.t0);
  const stats = { rects: 0, heatTracks: 0, inView: 0 };
  const colorCache = new Map();
  for (let t = 0; t < data.tracks.length; t++) {
    const y = layout.trackY[t] - view.top;
    const h = layout.trackH[t];
    if (y + h < 0 || y > view.height) continue;
    const lo = data.trackOffsets[t];
    const hi = data.trackOffsets[t + 1];
    if (hi === lo) continue;
    const [i0, i1] = visibleRange(data.start, lo, hi, data.maxDur[t], view.t0, view.t1);
    stats.inView += i1 - i0;
    if (i1 - i0 > HEAT_DENSITY * view.width && data.heat[t]) {
      // data.heat[t] was checked just above (TS does not narrow an indexed access)
      const cols = heatColumns(/** @type {Float32Array} */ (data.heat[t]), data.heatBucketNs, view.t0, 1 / k, Math.ceil(view.width));
      const cat = data.catNames[data.cat[lo]];
      heatStrip(ctx, cols, CATEGORY_COLOR[cat] ?? '#888888', 0, y + 1, h - 2);
      stats.heatTracks++;
      continue;
    }
    // A host API call is stamped once (no duration): a 3 px tick, so it can be seen and hovered.
    const api = data.tracks[t].kind === 'api';
    const m = mergeIntervals(data.start, data.dur, i0, i1, view.t0, k, 0, {
      clip0: -2,
      clip1: view.width + 2,
      isHit: style.isHit,
      minWidth: api ? 3 : 1,
      minGap: api ? 2 : 1,
    });
    // Batch rectangles by colour: one path and one fill per colour.
    const batches = new Map();
    const outlines = [];
    for (let r = 0; r < m.n; r++) {
      const i = m.first[r];
      const cat = data.catNames[data.cat[i]];
      let color;
      if (m.count[r] > 1) color = CATEGORY_COLOR[cat] ?? '#888888';
      else {
        const key = data.cat[i] * 4294967296 + data.name[i];
        color = colorCache.get(key);
        if (!color) {
          color = (cat === 'slot' && slotColor(data.str(data.name[i]))) || shadeFor(cat, data.name[i]);
          colorCache.set(key, color);
        }
      }
      let list = batches.get(color);
      if (!list) batches.set(color, (list = []));
      list.push(m.x[r], m.w[r]);
      if (m.hit[r] || (m.count[r] === 1 && data.flags[i] & (FLAG_OPEN | FLAG_ERROR))) outlines.push(r);
    }
    const inset = h > 10 ? 1 : 0;
    for (const [color, list] of batches) {
      ctx.fillStyle = color;
      ctx.beginPath();
      for (let j = 0; j < list.length; j += 2) ctx.rect(list[j], y + inset, list[j + 1], h - 2 * inset);
      ctx.fill();
      stats.rects += list.length / 2;
    }
    for (const r of outlines) {
      const i = m.first[r];
      ctx.lineWidth = 2;
      ctx.strokeStyle = m.hit[r] ? HIT_COLOR : OPEN_COLOR;
      ctx.strokeRect(m.x[r] + 1, y + 1, Math.max(1, m.w[r] - 2), h - 2);
      if (m.count[r] === 1 && data.flags[i] & FLAG_OPEN) {
        // An open (never-returned) call runs to the end of the trace: mark its end with a bar.
        const xe = m.x[r] + m.w[r];
        ctx.fillStyle = OPEN_COLOR;
        ctx.fillRect(xe - 4, y, 4, h);
      }
    }
    if (h >= 12) drawLabels(ctx, data, m, y, h);
  }
  return stats;
}

/**
 * Names inside rectangles wide enough to hold a few characters (canvas text: never
 * markup). C++ kernel names are shortened (names.js); the tooltip has the full name.
 * @param {CanvasRenderingContext2D} ctx
 * @param {import('./model.js').Model & { shortNames?: Map<number, string> }} data  shortNames: a cache of labels, kept on the model
 * @param {ReturnType<typeof mergeIntervals>} m
 * @param {number} y
 * @param {number} h
 */
function drawLabels(ctx, data, m, y, h) {
  const short = data.shortNames ?? (data.shortNames = new Map());
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = '#ffffff';
  for (let r = 0; r < m.n; r++) {
    if (m.count[r] !== 1 || m.w[r] < 40) continue;
    const id = data.name[m.first[r]];
    let text = short.get(id);
    if (text === undefined) {
      text = shortName(data.str(id) ?? '');
      short.set(id, text);
    }
    if (!text) continue;
    const x = Math.max(m.x[r], 0) + 3;
    const maxW = Math.min(m.x[r] + m.w[r], 4000) - x - 3;
    if (maxW < 20) continue;
    ctx.save();
    ctx.beginPath();
    ctx.rect(x, y, maxW, h);
    ctx.clip();
    ctx.fillText(text, x, y + h / 2);
    ctx.restore();
  }
}

/**
 * Instants (event records, waits, markers, submissions without a completion) as ticks.
 * @param {CanvasRenderingContext2D} ctx
 * @param {import('./model.js').Model} data
 * @param {import('./layout.js').Layout} layout
 * @param {import('./layout.js').View} view
 * @param {Int32Array} firstTrack
 * @returns {number}
 */
export function drawInstants(ctx, data, layout, view, firstTrack) {
  const inst = data.instants;
  const k = view.width / (view.t1 - view.t0);
  let drawn = 0;
  for (let l = 0; l < data.lanes.length; l++) {
    const lo = inst.laneOffsets[l];
    const hi = inst.laneOffsets[l + 1];
    if (hi === lo) continue;
    const t = firstTrack[l];
    const y = (t >= 0 ? layout.trackY[t] : layout.laneY[l] + 3) - view.top;
    const h = t >= 0 ? layout.trackH[t] : 12;
    if (y + h < 0 || y > view.height) continue;
    const i0 = lowerBound(inst.ts, view.t0, lo, hi);
    const i1 = lowerBound(inst.ts, view.t1 + 1e-9, i0, hi);
    const picked = thinInstants(inst.ts, i0, i1, view.t0, k, 0, 2);
    const batches = new Map();
    for (const i of picked) {
      const color = CATEGORY_COLOR[data.catNames[inst.cat[i]]] ?? '#444444';
      let list = batches.get(color);
      if (!list) batches.set(color, (list = []));
      list.push((inst.ts[i] - view.t0) * k);
    }
    for (const [color, xs] of batches) {
      ctx.fillStyle = color;
      ctx.beginPath();
      for (const x of xs) {
        // a small downward triangle at the top of the row
        ctx.moveTo(x - 4, y);
        ctx.lineTo(x + 4, y);
        ctx.lineTo(x, y + Math.min(h, 9));
        ctx.closePath();
      }
      ctx.fill();
    }
    drawn += picked.length;
  }
  return drawn;
}
