// Search by name (kernels, ranges, syncs, slots): matching intervals are outlined;
// Enter steps through them in time order. Matches the full and the short name.
import { shortName } from './names.js';

/**
 * @param {import('./model.js').Model} data
 * @param {{ onChange: () => void, zoomTo: (t0: number, t1: number) => void, info: HTMLElement }} hooks
 */
export function makeSearch(data, { onChange, zoomTo, info }) {
  /** @type {number[]} */
  let matches = [];
  let pos = -1;
  /** @type {Uint8Array | null} */
  let hitName = null;
  /**
   * @param {string} q
   * @returns {number} the number of matches
   */
  function run(q) {
    q = q.trim().toLowerCase();
    matches = [];
    pos = -1;
    if (!q) {
      hitName = null;
      info.textContent = '';
      onChange();
      return 0;
    }
    const strings = data.allStrings();
    hitName = new Uint8Array(strings.length);
    // the callbacks below run while hitName is this fresh array (TS does not narrow into closures)
    strings.forEach((s, i) => {
      if (i > 0 && (String(s).toLowerCase().includes(q) || shortName(String(s)).toLowerCase().includes(q)))
        /** @type {Uint8Array} */ (hitName)[i] = 1;
    });
    // a launch call is named after its kernel: step through the kernels, not both
    const launch = data.catNames.indexOf('launch');
    for (let i = 0; i < data.nIntervals; i++) if (hitName[data.name[i]] && data.cat[i] !== launch) matches.push(i);
    matches.sort((a, b) => data.start[a] - data.start[b]);
    info.textContent = `${matches.length} match${matches.length === 1 ? '' : 'es'}${matches.length ? ' (Enter: next)' : ''}`;
    onChange();
    return matches.length;
  }
  function next() {
    if (!matches.length) return;
    pos = (pos + 1) % matches.length;
    const i = matches[pos];
    const pad = Math.max(data.dur[i] * 0.5, 5000);
    zoomTo(data.start[i] - pad, data.start[i] + data.dur[i] + pad);
    info.textContent = `${pos + 1} of ${matches.length}`;
  }
  return {
    run,
    next,
    count: () => matches.length,
    isHit: () => (hitName ? (/** @type {number} */ i) => /** @type {Uint8Array} */ (hitName)[data.name[i]] === 1 : undefined),
  };
}
