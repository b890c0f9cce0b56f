// Zoom and pan of the time axis: d3.zoom on the canvas (wheel, drag, double-click)
// plus keyboard (W/S or +/- zoom, A/D or arrows pan, 0 or Home resets).

/**
 * @param {import('d3').Selection<HTMLCanvasElement, unknown, null, undefined>} target  element receiving wheel/drag
 * @param {{ width: () => number, spanNs: number, onZoom: (x: import('d3').ScaleLinear<number, number>) => void }} opts
 * The controller: x(), zoomTo(t0, t1), reset(), zoomBy(f), panBy(px), resize().
 */
export function zoomController(target, opts) {
  let width = opts.width();
  const x0 = () => d3.scaleLinear().domain([0, opts.spanNs]).range([0, width]);
  let base = x0();
  const maxK = Math.max(1, opts.spanNs / 50); // at most 50 ns across the view
  const zoom = /** @type {import('d3').ZoomBehavior<HTMLCanvasElement, unknown>} */ (d3.zoom())
    .scaleExtent([1, maxK])
    // shift+wheel scrolls the lanes vertically instead of zooming
    .filter((e) => (e.type === 'wheel' ? !e.shiftKey : !e.ctrlKey && !e.button))
    .on('zoom', (e) => opts.onZoom(e.transform.rescaleX(base)));
  const applyExtent = () => {
    zoom
      .extent([
        [0, 0],
        [width, 1],
      ])
      .translateExtent([
        [0, -Infinity],
        [width, Infinity],
      ]);
  };
  applyExtent();
  target.call(zoom).on('dblclick.zoom', null);

  // target is a selection of one canvas, so node() is never null
  const current = () => d3.zoomTransform(/** @type {HTMLCanvasElement} */ (target.node()));
  const api = {
    x: () => current().rescaleX(base),
    /**
     * @param {number} t0
     * @param {number} t1
     */
    zoomTo(t0, t1) {
      const a = Math.max(0, Math.min(t0, t1));
      const b = Math.min(opts.spanNs, Math.max(t0, t1));
      const span = Math.max(b - a, opts.spanNs / maxK);
      const k = Math.min(maxK, Math.max(1, width / (base(a + span) - base(a))));
      target.call(zoom.transform, d3.zoomIdentity.scale(k).translate(-base(a), 0));
    },
    reset() {
      target.call(zoom.transform, d3.zoomIdentity);
    },
    /** @param {number} f */
    zoomBy(f) {
      target.call(zoom.scaleBy, f, [width / 2, 0]);
    },
    /** @param {number} px */
    panBy(px) {
      target.call(zoom.translateBy, px / current().k, 0);
    },
    resize() {
      const [d0, d1] = api.x().domain();
      width = opts.width();
      base = x0();
      applyExtent();
      api.zoomTo(d0, d1);
    },
  };
  return api;
}

/**
 * Keyboard bindings for a zoom controller; ignores keys typed into inputs.
 * @param {Document} doc
 * @param {ReturnType<typeof zoomController>} ctl
 * @param {{ escape?: () => void, search?: () => void }} [extra]
 */
export function bindKeys(doc, ctl, extra = {}) {
  doc.addEventListener('keydown', (e) => {
    const tag = /** @type {HTMLElement | null} */ (e.target)?.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA') return;
    const key = e.key.toLowerCase();
    if (key === 'w' || key === '+' || key === '=') ctl.zoomBy(1.5);
    else if (key === 's' || key === '-') ctl.zoomBy(1 / 1.5);
    else if (key === 'a' || key === 'arrowleft') ctl.panBy(120);
    else if (key === 'd' || key === 'arrowright') ctl.panBy(-120);
    else if (key === '0' || key === 'home') ctl.reset();
    else if (key === 'escape' && extra.escape) extra.escape();
    else if (key === '/' && extra.search) {
      e.preventDefault();
      extra.search();
      return;
    } else return;
    e.preventDefault();
  });
}
