// The report page: wires the components — lanes (drawing), axis, zoom, flows,
// markers, legend, hover, search, side panel — to the DOM, and exposes its state
// on window.__MPSTRACE__ for tests and the bench.
import { decodeModel, firstTrackOfLane, gpuTrackOfLane, activityRange } from './model.js';
import { layoutLanes } from './layout.js';
import { drawTracks, drawInstants } from './lanes.js';
import { drawFlows } from './flows.js';
import { drawMarkers } from './markers.js';
import { drawAxis } from './axis.js';
import { zoomController, bindKeys } from './zoom.js';
import { summarizeRange } from './summary.js';
import { timeFormatter } from './format.js';
import { buildLegend } from './legend.js';
import { makeHover } from './hover.js';
import { makeSearch } from './search.js';
import { findingsList, showFindingDetails, showPinned, showSummary } from './panel.js';
import { el, keyValues, byId } from './dom.js';

const AXIS_H = 34;

export function startApp(payload) {
  const state = {
    ready: false, firstRenderMs: 0, lastFrameMs: 0, frames: 0, frameTimes: /** @type {number[]} */ ([]),
    rects: 0, heatTracks: 0, instants: 0, flows: 0, markers: 0, inView: 0,
    domain: [0, 0], selectedFinding: -1, summary: null, hits: 0, error: null,
  };
  window.__MPSTRACE__ = state;
  const data = decodeModel(payload);
  const layout = layoutLanes(data.lanes, data.tracks);
  const firstTrack = firstTrackOfLane(data);
  const gpuTrack = gpuTrackOfLane(data);
  Object.assign(state, { lanes: data.lanes.length, intervals: data.nIntervals, findings: data.findings.length });

  renderHeader(payload);
  state.legend = buildLegend(byId('legend'), data);
  const scroller = byId('scroller');
  const content = byId('content');
  const canvas = /** @type {HTMLCanvasElement} */ (byId('canvas'));
  const labels = byId('labels');
  const axisSvg = d3.select('#axis');
  // null only for a canvas already given another context type, which this one never is
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const labelW = () => labels.getBoundingClientRect().width || 180;

  // Lane labels are DOM text (selectable, searchable, never markup).
  data.lanes.forEach((lane, l) => {
    const div = el('div', `lane-label ${lane.kind}`);
    div.style.top = `${layout.laneY[l]}px`;
    div.style.height = `${layout.laneH[l]}px`;
    div.appendChild(el('span', 'lane-name', lane.label));
    if (lane.detail) div.appendChild(el('span', 'lane-detail', lane.detail));
    div.title = lane.detail ? `${lane.label}\n${lane.detail}` : lane.label;
    labels.appendChild(div);
  });

  const plotWidth = () => Math.max(100, scroller.clientWidth - labelW());
  const viewHeight = () => Math.max(50, scroller.clientHeight);
  let selection = null; // [t0, t1] in ns
  let frameQueued = false;
  const fmtFor = (t0, t1) => timeFormatter(t1 - t0, Math.max(Math.abs(t0), Math.abs(t1)));

  function sizeCanvas() {
    const dpr = window.devicePixelRatio || 1;
    const w = plotWidth();
    const h = viewHeight();
    content.style.height = `${layout.height}px`;
    canvas.style.left = `${labelW()}px`;
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    axisSvg.attr('width', w).attr('height', AXIS_H);
  }

  function render() {
    frameQueued = false;
    const t = performance.now();
    const x = ctl.x();
    const [t0, t1] = x.domain();
    const width = plotWidth();
    const height = viewHeight();
    const view = { t0, t1, width, top: scroller.scrollTop, height };
    ctx.clearRect(0, 0, width, height);
    for (let l = 0; l < data.lanes.length; l++) {
      const y = layout.laneY[l] - view.top;
      if (y + layout.laneH[l] < 0 || y > height) continue;
      ctx.fillStyle = data.lanes[l].kind === 'stream' ? (l % 2 ? '#f3f6fa' : '#eaf0f7') : l % 2 ? '#faf8f3' : '#f4f1ea';
      ctx.fillRect(0, y, width, layout.laneH[l]);
    }
    if (!data.lanes.length) {
      ctx.fillStyle = '#5b6775';
      ctx.font = '13px system-ui, sans-serif';
      ctx.fillText('This trace has no GPU streams or host threads to draw (see the warnings above).', 16, 28);
    }
    const s = drawTracks(ctx, data, layout, view, { isHit: search.isHit() });
    const nInst = drawInstants(ctx, data, layout, view, firstTrack);
    const nMarkers = drawMarkers(ctx, data, layout, view, state.selectedFinding);
    const fl = drawFlows(ctx, data, layout, view, firstTrack, gpuTrack);
    if (selection) {
      const k = width / (t1 - t0);
      ctx.fillStyle = 'rgba(40, 100, 220, 0.10)';
      ctx.fillRect((selection[0] - t0) * k, 0, (selection[1] - selection[0]) * k, height);
    }
    drawAxis(axisSvg.select('g.axis'), x, width);
    if (selection && brushG) {
      moving = true;
      brushG.call(brush.move, [Math.max(0, x(selection[0])), Math.min(width, x(selection[1]))]);
      moving = false;
    }
    const ms = performance.now() - t;
    Object.assign(state, {
      rects: s.rects, heatTracks: s.heatTracks, inView: s.inView, instants: nInst, flows: fl.drawn,
      flowsMerged: fl.merged, flowsSkipped: fl.skipped, markers: nMarkers, domain: [t0, t1], lastFrameMs: ms, frames: state.frames + 1,
    });
    state.frameTimes.push(ms);
    if (state.frameTimes.length > 600) state.frameTimes.shift();
    const fmt = fmtFor(t0, t1);
    byId('status').textContent =
      `${fmt(t0)} – ${fmt(t1)} · ${s.rects} rects${s.heatTracks ? `, ${s.heatTracks} heat strips` : ''}` +
      `${fl.merged ? ` · ${fl.merged} arrows drawn as groups (×n)` : ''}${fl.skipped ? ` · ${fl.skipped} arrows not drawn (zoom in to see them)` : ''}` +
      ` · ${ms.toFixed(1)} ms`;
  }
  const schedule = () => {
    if (!frameQueued) { frameQueued = true; requestAnimationFrame(render); }
  };

  sizeCanvas();
  const ctl = zoomController(d3.select(canvas), { width: plotWidth, spanNs: data.spanNs, onZoom: schedule });
  // The first view (and `0`/Home) fits where the activity is, not the idle start-up before it.
  const fit = activityRange(data);
  const home = () => ctl.zoomTo(fit[0], fit[1]);
  state.fit = fit;
  bindKeys(document, { ...ctl, reset: home }, {
    escape: () => { selection = null; brushG.call(brush.move, null); summary(null); schedule(); },
    search: () => byId('search').focus(),
  });
  scroller.addEventListener('scroll', schedule);
  // The canvas lies over the scroller (not inside it): shift+wheel over it scrolls the lanes.
  canvas.addEventListener('wheel', (e) => {
    if (!e.shiftKey) return;
    scroller.scrollTop += e.deltaY || e.deltaX;
    e.preventDefault();
  }, { passive: false });
  window.addEventListener('resize', () => {
    sizeCanvas();
    ctl.resize();
    brush.extent([[0, 0], [plotWidth(), AXIS_H]]);
    brushG.call(brush);
    schedule();
  });

  // Brush on the axis strip: select a range, get its summary.
  axisSvg.append('g').attr('class', 'axis').attr('transform', 'translate(0, 16)');
  let moving = false;
  const brush = d3.brushX().extent([[0, 0], [plotWidth(), AXIS_H]]).on('end', (e) => {
    if (moving || !e.sourceEvent) return;
    if (!e.selection) { selection = null; summary(null); schedule(); return; }
    const x = ctl.x();
    selection = [x.invert(e.selection[0]), x.invert(e.selection[1])];
    summary(summarizeRange(data, selection[0], selection[1]));
    schedule();
  });
  const brushG = axisSvg.append('g').attr('class', 'brush').call(brush);
  const summary = (sum) => { state.summary = sum; showSummary(sum, (a, b) => ctl.zoomTo(a, b)); };
  summary(null);

  // Findings: the list, and a click zooms to the evidence and shows the details.
  const list = findingsList(data, payload, selectFinding);
  function selectFinding(i) {
    const f = data.findings[i];
    if (!f) return;
    state.selectedFinding = i;
    list.mark(i);
    const pad = Math.max((f.t1 - f.t0) * 0.25, 2000);
    ctl.zoomTo(f.t0 - pad, f.t1 + pad);
    if (f.lanes.length) scroller.scrollTop = Math.max(0, layout.laneY[Math.min(...f.lanes)] - 20);
    showFindingDetails(f);
    schedule();
  }

  // Hover details; a click (not a drag: d3.zoom swallows those) pins them in the side panel.
  const linesAt = makeHover(data, layout, firstTrack, () => {
    const x = ctl.x();
    const [a, b] = x.domain();
    return { x, width: plotWidth(), fmt: fmtFor(a, b) };
  });
  const tip = byId('tooltip');
  const pointer = (e) => {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top + scroller.scrollTop];
  };
  canvas.addEventListener('mousemove', (e) => {
    const lines = linesAt(...pointer(e));
    if (!lines) { tip.style.display = 'none'; return; }
    tip.replaceChildren(...lines.map((line) => el('div', null, line)));
    tip.style.display = 'block';
    tip.style.left = `${Math.min(e.clientX + 14, window.innerWidth - 340)}px`;
    tip.style.top = `${e.clientY + 14}px`;
  });
  canvas.addEventListener('mouseleave', () => { tip.style.display = 'none'; });
  canvas.addEventListener('click', (e) => {
    const lines = linesAt(...pointer(e));
    if (!lines) return;
    showPinned(lines);
    state.pinned = lines;
  });

  // Search.
  const searchBox = /** @type {HTMLInputElement} */ (byId('search'));
  const search = makeSearch(data, {
    onChange: () => { state.hits = search.count(); schedule(); },
    zoomTo: (a, b) => ctl.zoomTo(a, b),
    info: byId('search-info'),
  });
  let searchTimer = 0;
  searchBox.addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(() => search.run(searchBox.value), 120); });
  searchBox.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { clearTimeout(searchTimer); if (!search.count()) search.run(searchBox.value); search.next(); }
    if (e.key === 'Escape') searchBox.blur();
  });
  byId('reset').addEventListener('click', home);
  byId('whole').addEventListener('click', () => ctl.reset());

  Object.assign(state, {
    selectFinding,
    zoomTo: (a, b) => ctl.zoomTo(a, b),
    reset: home,
    whole: () => ctl.reset(),
    search: search.run,
    nextMatch: search.next,
    hover: (px, y) => linesAt(px, y),
    renderNow: render,
    /** Where things are on screen (CSS px), for tests that check pixels. */
    geometry() {
      const r = canvas.getBoundingClientRect();
      return {
        left: r.left, top: r.top, width: plotWidth(), height: viewHeight(), scrollTop: scroller.scrollTop,
        laneY: Array.from(layout.laneY), laneH: Array.from(layout.laneH),
        trackY: Array.from(layout.trackY), trackH: Array.from(layout.trackH),
        tracks: data.tracks, lanes: data.lanes.map((l) => ({ kind: l.kind, label: l.label })),
      };
    },
    select(a, b) { selection = [a, b]; summary(summarizeRange(data, a, b)); schedule(); return state.summary; },
  });
  home();
  render();
  state.firstRenderMs = performance.now();
  state.ready = true;
}

function renderHeader(payload) {
  document.title = `mpstrace · ${payload.title}`;
  byId('title').textContent = payload.title;
  byId('info').appendChild(keyValues(payload.info));
  const warn = byId('warnings');
  for (const w of payload.warnings ?? []) warn.appendChild(el('li', null, w));
}

/** Entry point: read the inlined payload (JSON text, never evaluated as script) and start. */
export function main() {
  try {
    const payload = JSON.parse(byId('mpstrace-data').textContent);
    startApp(payload);
  } catch (err) {
    const box = byId('fatal');
    box.textContent = `This report could not be shown: ${err instanceof Error && err.message ? err.message : err}`;
    box.style.display = 'block';
    window.__MPSTRACE__ = Object.assign(window.__MPSTRACE__ || {}, { error: String(err) });
    throw err;
  }
}
