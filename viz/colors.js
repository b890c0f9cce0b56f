// Colours: one base colour per category; single (unmerged) GPU intervals get a
// per-name shade so neighbouring kernels are distinguishable.

/** @type {Record<string, string>} */
export const CATEGORY_COLOR = {
  kernel: '#3b7dd8',
  commit: '#6a5acd',
  memcpy: '#e08a1e',
  memset: '#c9a227',
  pending: '#9aa5b1',
  sync: '#d64545',
  elapsed: '#b03a8c',
  range: '#3aa676',
  slot: '#7f8c99',
  record: '#1f9e89',
  wait: '#e4572e',
  query: '#8c6bb1',
  marker: '#444444',
  submit: '#3b7dd8',
};

export const OPEN_COLOR = '#ff2d2d';
export const HIT_COLOR = '#ffd400';

/**
 * Stable small hash of a string id, for per-name shades.
 * @param {number} id
 * @returns {number}
 */
function mix(id) {
  let x = (id + 0x9e3779b1) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * A shade of the category colour that depends on the name id (lightness ±12%).
 * @param {string} category
 * @param {number} nameId
 * @returns {string}
 */
export function shadeFor(category, nameId) {
  const base = CATEGORY_COLOR[category] ?? '#888888';
  if (!nameId) return base;
  const f = ((mix(nameId) % 1000) / 1000 - 0.5) * 0.24;
  const c = [1, 3, 5].map((i) => parseInt(base.slice(i, i + 2), 16));
  const out = c.map((v) => Math.max(0, Math.min(255, Math.round(f > 0 ? v + (255 - v) * f : v * (1 + f)))));
  return `#${out.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** Ten distinguishable colours: slot spans are coloured by slot number, so two threads holding one slot match. */
export const SLOT_PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#e15759', '#bab0ac', '#ff9da7'];

/**
 * The colour of a slot span named `slot <n> …` (the CLI's naming), or null when the name has no number.
 * @param {string | null | undefined} name
 * @returns {string | null}
 */
export function slotColor(name) {
  const m = /^slot (\d+)/.exec(name ?? '');
  return m ? SLOT_PALETTE[Number(m[1]) % SLOT_PALETTE.length] : null;
}
