// The legend: what each colour and mark on the lanes means, listing only the
// categories this trace has (plus the marks every report can show).
import { CATEGORY_COLOR, OPEN_COLOR } from './colors.js';
import { FLOW_COLOR, FLOW_LABEL } from './flows.js';
import { SEVERITY_COLOR } from './markers.js';
import { el } from './dom.js';

/** @type {Record<string, string>} */
export const CATEGORY_LABEL = {
  kernel: 'kernel (GPU)',
  commit: 'command buffer (GPU)',
  memcpy: 'copy (GPU)',
  memset: 'memset (GPU)',
  pending: 'pending',
  sync: 'host sync (thread blocked)',
  elapsed: 'elapsed-time query',
  range: 'annotation range',
  slot: 'pool slot held',
  record: 'event record',
  wait: 'event wait',
  query: 'event query',
  marker: 'marker',
  submit: 'submitted, no GPU completion',
  launch: 'launch / copy call (host)',
};
const INSTANT_CATS = new Set(['record', 'wait', 'query', 'marker', 'submit']);

/**
 * Categories that occur in the trace, in the payload's order.
 * @param {import('./model.js').Model} data
 * @returns {string[]}
 */
export function presentCategories(data) {
  const seen = new Uint8Array(data.catNames.length);
  for (let i = 0; i < data.nIntervals; i++) seen[data.cat[i]] = 1;
  for (let i = 0; i < data.instants.n; i++) seen[data.instants.cat[i]] = 1;
  return data.catNames.filter((_, c) => seen[c]);
}

/**
 * @param {string} color
 * @param {'tri' | 'open' | 'arrow' | 'bar' | 'band'} shape
 * @returns {HTMLSpanElement}
 */
function swatch(color, shape) {
  const s = el('span', `sw ${shape}`);
  if (shape === 'tri') s.style.borderTopColor = color;
  else if (shape === 'open') s.style.borderColor = color;
  else if (shape === 'arrow') s.style.color = color;
  else s.style.background = color;
  return s;
}

/**
 * Fills `box` with legend items; returns their labels (for tests).
 * @param {HTMLElement} box
 * @param {import('./model.js').Model} data
 * @returns {string[]}
 */
export function buildLegend(box, data) {
  /** @type {string[]} */
  const items = [];
  /**
   * @param {string} color
   * @param {'tri' | 'open' | 'arrow' | 'bar' | 'band'} shape
   * @param {string} label
   */
  const add = (color, shape, label) => {
    const it = el('span', 'legend-item');
    it.appendChild(swatch(color, shape));
    it.appendChild(el('span', null, label));
    box.appendChild(it);
    items.push(label);
  };
  for (const c of presentCategories(data)) add(CATEGORY_COLOR[c] ?? '#888888', INSTANT_CATS.has(c) ? 'tri' : 'bar', CATEGORY_LABEL[c] ?? c);
  add(OPEN_COLOR, 'open', 'call that never returned (to trace end)');
  const kinds = new Uint8Array(256);
  const fk = data.flows.kind;
  for (let i = 0; i < data.flows.n; i++) kinds[fk ? fk[i] : 0] = 1;
  for (let k = 0; k < 256; k++) if (kinds[k]) add(FLOW_COLOR[k], 'arrow', FLOW_LABEL[k]);
  if (data.findings.length) {
    const sev = [...new Set(data.findings.map((f) => f.severity))];
    for (const s of ['error', 'warning', 'info'])
      if (sev.includes(s)) add(SEVERITY_COLOR[s], 'band', `${s === 'info' ? 'context note' : s} finding (band over its evidence)`);
  }
  return items;
}
