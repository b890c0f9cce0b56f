// What is under the pointer: the instant or the (shortest) interval at a point,
// as lines of text for the tooltip and the pinned details. Kernel names in full.
import { trackAtY, laneAtY } from './layout.js';
import { visibleRange, lowerBound } from './lod.js';
import { formatDuration } from './format.js';

/**
 * @param {import('./model.js').Model} data decoded model
 * @param {import('./layout.js').Layout} layout
 * @param {Int32Array} firstTrack lane -> top track
 * @param {() => { x: import('d3').ScaleLinear<number, number>, width: number, fmt: (ns: number) => string }} view
 *   the scale, the plot width and a time formatter at the view's precision
 */
export function makeHover(data, layout, firstTrack, view) {
  /**
   * @param {number} px
   * @param {number} y
   * @returns {string[] | null}
   */
  return function linesAt(px, y) {
    const { x, width, fmt } = view();
    const nsPerPx = (x.domain()[1] - x.domain()[0]) / width;
    const t = x.invert(px);
    const tr = trackAtY(layout, y);
    const lane = laneAtY(layout, y);
    if (lane < 0) return null;
    const inst = data.instants;
    if (tr === firstTrack[lane] || tr < 0) {
      const lo = inst.laneOffsets[lane];
      const hi = inst.laneOffsets[lane + 1];
      const j = lowerBound(inst.ts, t - 4 * nsPerPx, lo, hi);
      if (j < hi && inst.ts[j] <= t + 4 * nsPerPx && y - (layout.trackY[firstTrack[lane]] ?? layout.laneY[lane]) < 10) {
        return [
          `${data.catNames[inst.cat[j]]}: ${data.str(inst.name[j]) ?? ''}`,
          `at ${fmt(inst.ts[j])}`,
          data.str(inst.site[j]) ? `at ${data.str(inst.site[j])}` : '',
          data.lanes[lane].label,
        ].filter(Boolean);
      }
    }
    if (tr < 0) return null;
    const slop = (data.tracks[tr].kind === 'api' ? 3 : 2) * nsPerPx;
    const [i0, i1] = visibleRange(data.start, data.trackOffsets[tr], data.trackOffsets[tr + 1], data.maxDur[tr], t - slop, t + slop);
    let best = -1;
    for (let i = Math.max(i0, i1 - 5000); i < i1; i++) {
      if (data.start[i] <= t + slop && data.start[i] + data.dur[i] >= t - slop) {
        if (best < 0 || data.dur[i] < data.dur[best]) best = i;
      }
    }
    if (best < 0) return null;
    const flags = data.flags[best];
    const cat = data.catNames[data.cat[best]];
    const when =
      cat === 'launch'
        ? `at ${fmt(data.start[best])}`
        : `${fmt(data.start[best])} to ${fmt(data.start[best] + data.dur[best])} (${formatDuration(data.dur[best])})`;
    return [
      `${cat}: ${data.str(data.name[best]) ?? ''}`,
      `${when}${flags & 1 ? ' — never returned: open until the end of the trace' : ''}`,
      flags & 2 ? 'error reported' : '',
      data.str(data.site[best]) ? `at ${data.str(data.site[best])}` : '',
      data.lanes[data.tracks[tr].lane].label,
    ].filter(Boolean);
  };
}
