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
import { unpackPayload } from './decode.js';

const AXIS_H = 34;

/**
 * What the viewer's pieces share: the decoded trace, its layout, the page's
 * elements, the zoom controller, the search, the brush and the selected range.
 * Built by startApp in order; a piece reads only what was set before it runs.
 * @typedef {object} Viewer
 * @property {import('../src/report/payload-types.js').ReportPayload} payload
 * @property {Record<string, any>} state             window.__MPSTRACE__
 * @property {ReturnType<typeof decodeModel>} data
 * @property {import('./layout.js').Layout} layout
 * @property {Int32Array} firstTrack                 lane -> its top track
 * @property {Int32Array} gpuTrack                   lane -> its GPU track, or -1
 * @property {ReturnType<typeof pageElements>} dom
 * @property {[number, number] | null} selection     selected time range, ns
 * @property {boolean} frameQueued
 * @property {boolean} movingBrush                   the brush is being moved by render, not the user
 * @property {() => void} schedule                   draw at the next animation frame
 * @property {ReturnType<typeof zoomController>} ctl
 * @property {() => void} home                       fit the view to the activity
 * @property {import('d3').BrushBehavior<unknown>} brush
 * @property {import('d3').Selection<SVGGElement, unknown, HTMLElement, unknown>} brushG
 * @property {(sum: ReturnType<typeof summarizeRange> | null) => void} summary            show (or clear, with null) a range summary
 * @property {ReturnType<typeof makeSearch>} search
 */

/**
 * @param {import('../src/report/payload-types.js').ReportPayload} payload
 * @param {Record<string, number>} [phases] times (performance.now()) of the steps before, e.g. reading and parsing the payload
 */
export function startApp(payload, phases = {}) {
  /** @type {Viewer['state']} */
  const state = initialState();
  Object.assign(state.phases, phases);
  window.__MPSTRACE__ = state;
  state.phases.app = performance.now();
  const data = decodeModel(payload);
  state.phases.decoded = performance.now();
  // the rest of Viewer is filled in below, each piece before the next one reads it
  const ui = /** @type {Viewer} */ (
    /** @type {unknown} */ ({
      payload,
      state,
      data,
      layout: layoutLanes(data.lanes, data.tracks),
      firstTrack: firstTrackOfLane(data),
      gpuTrack: gpuTrackOfLane(data),
      selection: null,
      frameQueued: false,
      movingBrush: false,
    })
  );
  ui.schedule = () => {
    if (!ui.frameQueued) {
      ui.frameQueued = true;
      requestAnimationFrame(() => renderFrame(ui));
    }
  };
  Object.assign(state, { lanes: data.lanes.length, intervals: data.nIntervals, findings: data.findings.length });

  renderHeader(payload);
  state.legend = buildLegend(byId('legend'), data);
  ui.dom = pageElements();
  drawLaneLabels(ui);
  sizeCanvas(ui);
  bindZoom(ui);
  ui.dom.axisSvg.append('g').attr('class', 'axis').attr('transform', 'translate(0, 16)');
  ui.home();
  state.phases.wired = performance.now();
  renderFrame(ui);
  state.firstRenderMs = performance.now();
  state.phases.drawn = state.firstRenderMs;
  // The first frame is drawn; what only matters once the user acts (range brush, findings
  // list, hover, search) is wired in the next task, and then the page says it is ready.
  setTimeout(() => {
    try {
      bindBrush(ui);
      const selectFinding = bindFindings(ui);
      const linesAt = bindHover(ui);
      bindSearch(ui);
      exposeControls(ui, selectFinding, linesAt);
      state.readyMs = performance.now();
      state.phases.ready = state.readyMs;
      state.ready = true;
    } catch (err) {
      fatal(err);
    }
  }, 0);
}

/** The state the tests and the bench read on window.__MPSTRACE__. */
function initialState() {
  return {
    ready: false,
    /** performance.now() when the first frame was drawn, and when the page was ready for input (after it) */
    firstRenderMs: 0,
    readyMs: 0,
    /** @type {Record<string, number>} performance.now() at each step of the first render */
    phases: /** @type {Record<string, number>} */ ({}),
    lastFrameMs: 0,
    frames: 0,
    frameTimes: /** @type {number[]} */ ([]),
    rects: 0,
    heatTracks: 0,
    instants: 0,
    flows: 0,
    markers: 0,
    inView: 0,
    domain: [0, 0],
    selectedFinding: -1,
    summary: null,
    hits: 0,
    error: null,
  };
}

/** The page's elements the viewer draws in or listens to. */
function pageElements() {
  const canvas = /** @type {HTMLCanvasElement} */ (byId('canvas'));
  return {
    scroller: byId('scroller'),
    content: byId('content'),
    canvas,
    // null only for a canvas already given another context type, which this one never is
    ctx: /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d')),
    labels: byId('labels'),
    axisSvg: d3.select('#axis'),
    tip: byId('tooltip'),
    searchBox: /** @type {HTMLInputElement} */ (byId('search')),
  };
}

/**
 * Lane labels are DOM text (selectable, searchable, never markup).
 * @param {Viewer} ui
 */
function drawLaneLabels({ data, layout, dom }) {
  data.lanes.forEach((lane, l) => {
    const div = el('div', `lane-label ${lane.kind}`);
    div.style.top = `${layout.laneY[l]}px`;
    div.style.height = `${layout.laneH[l]}px`;
    div.appendChild(el('span', 'lane-name', lane.label));
    if (lane.detail) div.appendChild(el('span', 'lane-detail', lane.detail));
    div.title = lane.detail ? `${lane.label}\n${lane.detail}` : lane.label;
    dom.labels.appendChild(div);
  });
}

const labelW = (/** @type {Viewer} */ ui) => ui.dom.labels.getBoundingClientRect().width || 180;
const plotWidth = (/** @type {Viewer} */ ui) => Math.max(100, ui.dom.scroller.clientWidth - labelW(ui));
const viewHeight = (/** @type {Viewer} */ ui) => Math.max(50, ui.dom.scroller.clientHeight);
const fmtFor = (/** @type {number} */ t0, /** @type {number} */ t1) => timeFormatter(t1 - t0, Math.max(Math.abs(t0), Math.abs(t1)));

/** @param {Viewer} ui */
function sizeCanvas(ui) {
  const { canvas, content, ctx, axisSvg } = ui.dom;
  const dpr = window.devicePixelRatio || 1;
  const w = plotWidth(ui);
  const h = viewHeight(ui);
  content.style.height = `${ui.layout.height}px`;
  canvas.style.left = `${labelW(ui)}px`;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  axisSvg.attr('width', w).attr('height', AXIS_H);
}

/**
 * One frame: lane backgrounds, intervals, instants, markers, arrows, the selection, the axis and the status line.
 * @param {Viewer} ui
 */
function renderFrame(ui) {
  const { state, data, layout, dom, selection } = ui;
  const ctx = dom.ctx;
  ui.frameQueued = false;
  const t = performance.now();
  const x = ui.ctl.x();
  const [t0, t1] = x.domain();
  const width = plotWidth(ui);
  const height = viewHeight(ui);
  const view = { t0, t1, width, top: dom.scroller.scrollTop, height };
  ctx.clearRect(0, 0, width, height);
  drawLaneBackgrounds(ctx, data, layout, view);
  const s = drawTracks(ctx, data, layout, view, { isHit: ui.search?.isHit() });
  const nInst = drawInstants(ctx, data, layout, view, ui.firstTrack);
  const nMarkers = drawMarkers(ctx, data, layout, view, state.selectedFinding);
  const fl = drawFlows(ctx, data, layout, view, ui.firstTrack, ui.gpuTrack);
  if (selection) {
    const k = width / (t1 - t0);
    ctx.fillStyle = 'rgba(40, 100, 220, 0.10)';
    ctx.fillRect((selection[0] - t0) * k, 0, (selection[1] - selection[0]) * k, height);
  }
  drawAxis(/** @type {import('d3').Selection<SVGGElement, unknown, HTMLElement, unknown>} */ (dom.axisSvg.select('g.axis')), x, width);
  if (selection && ui.brushG) {
    ui.movingBrush = true;
    ui.brushG.call(ui.brush.move, [Math.max(0, x(selection[0])), Math.min(width, x(selection[1]))]);
    ui.movingBrush = false;
  }
  const ms = performance.now() - t;
  Object.assign(state, {
    rects: s.rects,
    heatTracks: s.heatTracks,
    inView: s.inView,
    instants: nInst,
    flows: fl.drawn,
    flowsMerged: fl.merged,
    flowsSkipped: fl.skipped,
    markers: nMarkers,
    domain: [t0, t1],
    lastFrameMs: ms,
    frames: state.frames + 1,
  });
  state.frameTimes.push(ms);
  if (state.frameTimes.length > 600) state.frameTimes.shift();
  const fmt = fmtFor(t0, t1);
  byId('status').textContent =
    `${fmt(t0)} – ${fmt(t1)} · ${s.rects} rects${s.heatTracks ? `, ${s.heatTracks} heat strips` : ''}` +
    `${fl.merged ? ` · ${fl.merged} arrows drawn as groups (×n)` : ''}${fl.skipped ? ` · ${fl.skipped} arrows not drawn (zoom in to see them)` : ''}` +
    ` · ${ms.toFixed(1)} ms`;
}

/**
 * Alternating lane backgrounds (streams blue, threads sand), or a note when there is nothing to draw.
 * @param {CanvasRenderingContext2D} ctx
 * @param {Viewer['data']} data
 * @param {import('./layout.js').Layout} layout
 * @param {import('./layout.js').View} view
 */
function drawLaneBackgrounds(ctx, data, layout, view) {
  for (let l = 0; l < data.lanes.length; l++) {
    const y = layout.laneY[l] - view.top;
    if (y + layout.laneH[l] < 0 || y > view.height) continue;
    ctx.fillStyle = data.lanes[l].kind === 'stream' ? (l % 2 ? '#f3f6fa' : '#eaf0f7') : l % 2 ? '#faf8f3' : '#f4f1ea';
    ctx.fillRect(0, y, view.width, layout.laneH[l]);
  }
  if (!data.lanes.length) {
    ctx.fillStyle = '#5b6775';
    ctx.font = '13px system-ui, sans-serif';
    ctx.fillText('This trace has no GPU streams or host threads to draw (see the warnings above).', 16, 28);
  }
}

/**
 * Zoom and pan (d3.zoom, keys), vertical scroll, and resizing.
 * @param {Viewer} ui
 */
function bindZoom(ui) {
  const { dom, data } = ui;
  ui.ctl = zoomController(d3.select(dom.canvas), { width: () => plotWidth(ui), spanNs: data.spanNs, onZoom: ui.schedule });
  // The first view (and `0`/Home) fits where the activity is, not the idle start-up before it.
  const fit = activityRange(data);
  ui.home = () => ui.ctl.zoomTo(fit[0], fit[1]);
  ui.state.fit = fit;
  bindKeys(
    document,
    { ...ui.ctl, reset: ui.home },
    {
      escape: () => {
        if (!ui.brushG) return;
        ui.selection = null;
        ui.brushG.call(ui.brush.move, null);
        ui.summary(null);
        ui.schedule();
      },
      search: () => dom.searchBox.focus(),
    },
  );
  dom.scroller.addEventListener('scroll', ui.schedule);
  // The canvas lies over the scroller (not inside it): shift+wheel over it scrolls the lanes.
  dom.canvas.addEventListener(
    'wheel',
    (e) => {
      if (!e.shiftKey) return;
      dom.scroller.scrollTop += e.deltaY || e.deltaX;
      e.preventDefault();
    },
    { passive: false },
  );
  window.addEventListener('resize', () => {
    sizeCanvas(ui);
    ui.ctl.resize();
    if (!ui.brush) return ui.schedule();
    ui.brush.extent([
      [0, 0],
      [plotWidth(ui), AXIS_H],
    ]);
    ui.brushG.call(ui.brush);
    ui.schedule();
  });
}

/**
 * Brush on the axis strip: select a range, get its summary.
 * @param {Viewer} ui
 */
function bindBrush(ui) {
  const { dom, data, state } = ui;
  ui.brush = d3
    .brushX()
    .extent([
      [0, 0],
      [plotWidth(ui), AXIS_H],
    ])
    .on('end', (/** @type {import('d3').D3BrushEvent<unknown>} */ e) => {
      if (ui.movingBrush || !e.sourceEvent) return;
      if (!e.selection) {
        ui.selection = null;
        ui.summary(null);
        ui.schedule();
        return;
      }
      const x = ui.ctl.x();
      // a brushX selection is [x0, x1] in px (the 2-D form is brushXY's)
      ui.selection = [
        x.invert(/** @type {[number, number]} */ (e.selection)[0]),
        x.invert(/** @type {[number, number]} */ (e.selection)[1]),
      ];
      ui.summary(summarizeRange(data, ui.selection[0], ui.selection[1]));
      ui.schedule();
    });
  ui.brushG = dom.axisSvg.append('g').attr('class', 'brush').call(ui.brush);
  ui.summary = (sum) => {
    state.summary = sum;
    showSummary(sum, (a, b) => ui.ctl.zoomTo(a, b));
  };
  ui.summary(null);
}

/**
 * Findings: the list, and a click zooms to the evidence and shows the details. Returns selectFinding(i).
 * @param {Viewer} ui
 */
function bindFindings(ui) {
  const { data, state, dom, layout } = ui;
  const list = findingsList(data, ui.payload, selectFinding);
  /** @param {number} i */
  function selectFinding(i) {
    const f = data.findings[i];
    if (!f) return;
    state.selectedFinding = i;
    list.mark(i);
    const pad = Math.max((f.t1 - f.t0) * 0.25, 2000);
    ui.ctl.zoomTo(f.t0 - pad, f.t1 + pad);
    if (f.lanes.length) dom.scroller.scrollTop = Math.max(0, layout.laneY[Math.min(...f.lanes)] - 20);
    showFindingDetails(f);
    ui.schedule();
  }
  return selectFinding;
}

/**
 * Hover details; a click (not a drag: d3.zoom swallows those) pins them in the side panel. Returns linesAt(px, y).
 * @param {Viewer} ui
 */
function bindHover(ui) {
  const { dom, state } = ui;
  const linesAt = makeHover(ui.data, ui.layout, ui.firstTrack, () => {
    const x = ui.ctl.x();
    const [a, b] = x.domain();
    return { x, width: plotWidth(ui), fmt: fmtFor(a, b) };
  });
  const tip = dom.tip;
  /**
   * @param {MouseEvent} e
   * @returns {[number, number]}
   */
  const pointer = (e) => {
    const r = dom.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top + dom.scroller.scrollTop];
  };
  dom.canvas.addEventListener('mousemove', (e) => {
    const lines = linesAt(...pointer(e));
    if (!lines) {
      tip.style.display = 'none';
      return;
    }
    tip.replaceChildren(...lines.map((line) => el('div', null, line)));
    tip.style.display = 'block';
    tip.style.left = `${Math.min(e.clientX + 14, window.innerWidth - 340)}px`;
    tip.style.top = `${e.clientY + 14}px`;
  });
  dom.canvas.addEventListener('mouseleave', () => {
    tip.style.display = 'none';
  });
  dom.canvas.addEventListener('click', (e) => {
    const lines = linesAt(...pointer(e));
    if (!lines) return;
    showPinned(lines);
    state.pinned = lines;
  });
  return linesAt;
}

/**
 * The search box: matches as you type (debounced), Enter steps through them, Escape leaves.
 * @param {Viewer} ui
 */
function bindSearch(ui) {
  const searchBox = ui.dom.searchBox;
  const search = makeSearch(ui.data, {
    onChange: () => {
      ui.state.hits = search.count();
      ui.schedule();
    },
    zoomTo: (a, b) => ui.ctl.zoomTo(a, b),
    info: byId('search-info'),
  });
  ui.search = search;
  let searchTimer = 0;
  searchBox.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search.run(searchBox.value), 120);
  });
  searchBox.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      clearTimeout(searchTimer);
      if (!search.count()) search.run(searchBox.value);
      search.next();
    }
    if (e.key === 'Escape') searchBox.blur();
  });
  byId('reset').addEventListener('click', ui.home);
  byId('whole').addEventListener('click', () => ui.ctl.reset());
}

/**
 * The controls the tests and the bench drive, on window.__MPSTRACE__.
 * @param {Viewer} ui
 * @param {(i: number) => void} selectFinding
 * @param {ReturnType<typeof makeHover>} linesAt
 */
function exposeControls(ui, selectFinding, linesAt) {
  const { state, data, layout, dom } = ui;
  Object.assign(state, {
    selectFinding,
    zoomTo: (/** @type {number} */ a, /** @type {number} */ b) => ui.ctl.zoomTo(a, b),
    reset: ui.home,
    whole: () => ui.ctl.reset(),
    search: ui.search.run,
    nextMatch: ui.search.next,
    hover: (/** @type {number} */ px, /** @type {number} */ y) => linesAt(px, y),
    renderNow: () => renderFrame(ui),
    /** Where things are on screen (CSS px), for tests that check pixels. */
    geometry() {
      const r = dom.canvas.getBoundingClientRect();
      return {
        left: r.left,
        top: r.top,
        width: plotWidth(ui),
        height: viewHeight(ui),
        scrollTop: dom.scroller.scrollTop,
        laneY: Array.from(layout.laneY),
        laneH: Array.from(layout.laneH),
        trackY: Array.from(layout.trackY),
        trackH: Array.from(layout.trackH),
        tracks: data.tracks,
        lanes: data.lanes.map((l) => ({ kind: l.kind, label: l.label })),
      };
    },
    /**
     * @param {number} a
     * @param {number} b
     */
    select(a, b) {
      ui.selection = [a, b];
      ui.summary(summarizeRange(data, a, b));
      ui.schedule();
      return state.summary;
    },
  });
}

/** @param {import('../src/report/payload-types.js').ReportPayload} payload */
function renderHeader(payload) {
  document.title = `mpstrace · ${payload.title}`;
  byId('title').textContent = payload.title;
  byId('info').appendChild(keyValues(payload.info));
  const warn = byId('warnings');
  for (const w of payload.warnings ?? []) warn.appendChild(el('li', null, w));
}

/** Entry point: read the inlined payload (JSON text, never evaluated as script), inflate its data and start. */
export async function main() {
  try {
    const start = performance.now();
    const text = byId('mpstrace-data').textContent;
    const read = performance.now();
    const payload = JSON.parse(text);
    const phases = { start, read, json: performance.now() };
    await unpackPayload(payload, phases);
    startApp(payload, phases);
  } catch (err) {
    fatal(err);
  }
}

/**
 * Shows why the report cannot be shown, sets `error` for the tests, and rethrows.
 * @param {unknown} err
 */
function fatal(err) {
  const box = byId('fatal');
  box.textContent = `This report could not be shown: ${err instanceof Error && err.message ? err.message : err}`;
  box.style.display = 'block';
  window.__MPSTRACE__ = Object.assign(window.__MPSTRACE__ || {}, { error: String(err) });
  throw err;
}
