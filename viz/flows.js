// Flow arrows from an event record to each wait that consumed it.

/**
 * Arrows are drawn only when at most this many intersect the view: beyond that they
 * are unreadable and cost the frame budget, so the status line asks to zoom in instead
 * (drawing an arbitrary subset would suggest a pattern that is not there).
 */
export const MAX_FLOWS = 400;

/** The y of lane `l`'s first row centre, in view coordinates. */
function laneMidY(layout, firstTrack, l, top) {
  const t = firstTrack[l];
  return (t >= 0 ? layout.trackY[t] + layout.trackH[t] / 2 : layout.laneY[l] + 8) - top;
}

export function drawFlows(ctx, data, layout, view, firstTrack) {
  const f = data.flows;
  const k = view.width / (view.t1 - view.t0);
  let drawn = 0;
  let inView = 0;
  for (let i = 0; i < f.n; i++) {
    if (Math.max(f.fromTs[i], f.toTs[i]) >= view.t0 && Math.min(f.fromTs[i], f.toTs[i]) <= view.t1) inView++;
  }
  if (inView > MAX_FLOWS) return { drawn: 0, skipped: inView };
  const skipped = 0;
  ctx.strokeStyle = 'rgba(30, 30, 30, 0.65)';
  ctx.fillStyle = 'rgba(30, 30, 30, 0.8)';
  ctx.lineWidth = 1.2;
  for (let i = 0; i < f.n; i++) {
    const a = f.fromTs[i];
    const b = f.toTs[i];
    if (Math.max(a, b) < view.t0 || Math.min(a, b) > view.t1) continue;
    const x0 = (a - view.t0) * k;
    const x1 = (b - view.t0) * k;
    const y0 = laneMidY(layout, firstTrack, f.fromLane[i], view.top);
    const y1 = laneMidY(layout, firstTrack, f.toLane[i], view.top);
    if (Math.max(y0, y1) < -20 || Math.min(y0, y1) > view.height + 20) continue;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    const mx = (x0 + x1) / 2;
    ctx.bezierCurveTo(mx, y0, mx, y1, x1, y1);
    ctx.stroke();
    // arrow head pointing at the wait
    const dir = x1 >= mx ? 1 : -1;
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - 6 * dir, y1 - 3);
    ctx.lineTo(x1 - 6 * dir, y1 + 3);
    ctx.closePath();
    ctx.fill();
    drawn++;
  }
  return { drawn, skipped };
}
