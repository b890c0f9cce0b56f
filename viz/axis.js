// The shared time axis (SVG, over the canvas), labelled in one readable unit.
import { tickFormatter } from './format.js';

/**
 * Draws a top axis for scale `x` (ns -> px) into the SVG group `g` (a d3 selection).
 * @param {import('d3').Selection<SVGGElement, unknown, HTMLElement, unknown>} g
 * @param {import('d3').ScaleLinear<number, number>} x
 * @param {number} width
 * @returns {number}
 */
export function drawAxis(g, x, width) {
  const ticks = x.ticks(Math.max(2, Math.floor(width / 110)));
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : Math.abs(x.domain()[1] - x.domain()[0]) || 1;
  const fmt = tickFormatter(step, Math.max(...ticks.map(Math.abs), 0));
  g.call(
    d3
      .axisBottom(x)
      .tickValues(ticks)
      .tickFormat(/** @type {(d: import('d3').NumberValue) => string} */ (fmt))
      .tickSizeOuter(0),
  );
  return ticks.length;
}
