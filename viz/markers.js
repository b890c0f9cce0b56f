// Findings from `mpstrace analyze` drawn on the lanes they concern: a translucent
// band over the evidence time range and a flag at its start.

/** @type {Record<string, string>} */
export const SEVERITY_COLOR = { error: '#d62728', warning: '#ff7f0e', info: '#1f77b4', note: '#1f77b4' };

/**
 * Draws the findings' bands and flags in view; returns how many were drawn.
 * @param {CanvasRenderingContext2D} ctx
 * @param {import('./model.js').Model} data
 * @param {import('./layout.js').Layout} layout
 * @param {import('./layout.js').View} view
 * @param {number} selected index of the selected finding, or -1
 * @returns {number}
 */
export function drawMarkers(ctx, data, layout, view, selected) {
  const k = view.width / (view.t1 - view.t0);
  let drawn = 0;
  data.findings.forEach((f, idx) => {
    if (f.t1 < view.t0 || f.t0 > view.t1) return;
    const color = SEVERITY_COLOR[f.severity] ?? SEVERITY_COLOR.warning;
    const x0 = (f.t0 - view.t0) * k;
    const x1 = Math.max(x0 + 2, (f.t1 - view.t0) * k);
    for (const l of f.lanes.length ? f.lanes : []) {
      const y = layout.laneY[l] - view.top;
      const h = layout.laneH[l];
      if (y + h < 0 || y > view.height) continue;
      ctx.globalAlpha = idx === selected ? 0.13 : 0.06;
      ctx.fillStyle = color;
      ctx.fillRect(x0, y, x1 - x0, h);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = color;
      ctx.lineWidth = idx === selected ? 2 : 1;
      ctx.strokeRect(x0, y + 0.5, x1 - x0, h - 1);
      // flag
      ctx.beginPath();
      ctx.moveTo(x0, y);
      ctx.lineTo(x0 + 8, y + 4);
      ctx.lineTo(x0, y + 8);
      ctx.closePath();
      ctx.fill();
      drawn++;
    }
  });
  return drawn;
}
