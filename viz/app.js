// The report page: wires the components (lanes, axis, zoom, flows, markers, summary)
// to the DOM and exposes its state on window.__MPSTRACE__ for tests and the bench.
import { decodeModel, firstTrackOfLane } from './model.js';
import { layoutLanes, trackAtY, laneAtY } from './layout.js';
import { drawTracks, drawInstants } from './lanes.js';
import { drawFlows } from './flows.js';
import { drawMarkers, SEVERITY_COLOR } from './markers.js';
import { drawAxis } from './axis.js';
import { zoomController, bindKeys } from './zoom.js';
import { summarizeRange } from './summary.js';
import { formatDuration } from './format.js';
import { visibleRange, lowerBound } from './lod.js';
import { el, clear, keyValues } from './dom.js';

const LABEL_W = 210;
const AXIS_H = 34;

export function startApp(payload) {
  const state = {
    ready: false, firstRenderMs: 0, lastFrameMs: 0, frames: 0, frameTimes: [],
    rects: 0, heatTracks: 0, instants: 0, flows: 0, markers: 0, inView: 0,
    domain: [0, 0], selectedFinding: -1, summary: null, hits: 0, error: null,
  };
  window.__MPSTRACE__ = state;
  const data = decodeModel(payload);
  const layout = layoutLanes(data.lanes, data.tracks);
  const firstTrack = firstTrackOfLane(data);
  Object.assign(state, { lanes: data.lanes.length, intervals: data.nIntervals, findings: data.findings.length });

  renderHeader(payload);
  const scroller = document.getElementById('scroller');
  const content = document.getElementById('content');
  const canvas = document.getElementById('canvas');
  const labels = document.getElementById('labels');
  const axisSvg = d3.select('#axis');
  const ctx = canvas.getContext('2d');

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

  const plotWidth = () => Math.max(100, scroller.clientWidth - LABEL_W);
  const viewHeight = () => Math.max(50, scroller.clientHeight);
  let hitName = null;
  let selection = null; // [t0, t1] in ns
  let frameQueued = false;

  function sizeCanvas() {
    const dpr = window.devicePixelRatio || 1;
    const w = plotWidth();
    const h = viewHeight();
    content.style.height = `${layout.height}px`;
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
    const isHit = hitName ? (i) => hitName[data.name[i]] === 1 : undefined;
    const s = drawTracks(ctx, data, layout, view, { isHit });
    const nInst = drawInstants(ctx, data, layout, view, firstTrack);
    const nMarkers = drawMarkers(ctx, data, layout, view, state.selectedFinding);
    const fl = drawFlows(ctx, data, layout, view, firstTrack);
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
      flowsSkipped: fl.skipped, markers: nMarkers, domain: [t0, t1], lastFrameMs: ms, frames: state.frames + 1,
    });
    state.frameTimes.push(ms);
    if (state.frameTimes.length > 600) state.frameTimes.shift();
    document.getElementById('status').textContent =
      `${formatDuration(t0)} – ${formatDuration(t1)} · ${s.rects} rects${s.heatTracks ? `, ${s.heatTracks} heat strips` : ''}` +
      `${fl.skipped ? ` · ${fl.skipped} record→wait arrows hidden (zoom in to see them)` : ''} · ${ms.toFixed(1)} ms`;
  }
  const schedule = () => {
    if (!frameQueued) { frameQueued = true; requestAnimationFrame(render); }
  };

  sizeCanvas();
  const ctl = zoomController(d3.select(canvas), { width: plotWidth, spanNs: data.spanNs, onZoom: schedule });
  bindKeys(document, ctl, {
    escape: () => { selection = null; brushG.call(brush.move, null); showSummary(null); schedule(); },
    search: () => document.getElementById('search').focus(),
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
    if (!e.selection) { selection = null; showSummary(null); schedule(); return; }
    const x = ctl.x();
    selection = [x.invert(e.selection[0]), x.invert(e.selection[1])];
    showSummary(summarizeRange(data, selection[0], selection[1]));
    schedule();
  });
  const brushG = axisSvg.append('g').attr('class', 'brush').call(brush);

  function showSummary(sum) {
    state.summary = sum;
    const box = clear(document.getElementById('selection'));
    if (!sum) { box.appendChild(el('p', 'hint', 'Drag on the time axis to select a range.')); return; }
    box.appendChild(el('h2', null, `Selection: ${formatDuration(sum.spanNs)}`));
    const zoomBtn = el('button', null, 'Zoom to selection');
    zoomBtn.addEventListener('click', () => ctl.zoomTo(sum.t0, sum.t1));
    box.appendChild(zoomBtn);
    const pct = (v) => `${formatDuration(v)} (${((100 * v) / Math.max(1, sum.spanNs)).toFixed(1)}%)`;
    box.appendChild(keyValues([
      ['from', formatDuration(sum.t0)], ['to', formatDuration(sum.t1)],
      ['any stream busy', pct(sum.anyBusyNs)], ['≥2 streams overlap', pct(sum.overlapNs)],
    ]));
    box.appendChild(el('h3', null, 'GPU busy per stream'));
    box.appendChild(keyValues(sum.streams.map((s) => [s.label, pct(s.busyNs)])));
    box.appendChild(el('h3', null, 'Blocked in syncs per thread'));
    box.appendChild(keyValues(sum.threads.map((s) => [s.label, pct(s.blockedNs)])));
  }
  showSummary(null);

  // Findings list and details.
  const list = document.getElementById('findings-list');
  document.getElementById('findings-count').textContent = payload.findingsNote
    ?? payload.findingsCount ?? `${data.findings.length} finding${data.findings.length === 1 ? '' : 's'}`;
  data.findings.forEach((f, i) => {
    const li = el('li', `finding sev-${String(f.severity)}`);
    const badge = el('span', 'sev', f.severity);
    badge.style.background = SEVERITY_COLOR[f.severity] ?? SEVERITY_COLOR.warning;
    li.appendChild(badge);
    li.appendChild(el('span', 'finding-title', f.title));
    li.appendChild(el('span', 'finding-time', f.when ?? formatDuration(f.t0)));
    li.tabIndex = 0;
    li.addEventListener('click', () => selectFinding(i));
    li.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); selectFinding(i); } });
    list.appendChild(li);
  });

  function selectFinding(i) {
    const f = data.findings[i];
    if (!f) return;
    state.selectedFinding = i;
    list.querySelectorAll('li').forEach((li, j) => li.classList.toggle('selected', j === i));
    const pad = Math.max((f.t1 - f.t0) * 0.25, 2000);
    ctl.zoomTo(f.t0 - pad, f.t1 + pad);
    if (f.lanes.length) scroller.scrollTop = Math.max(0, layout.laneY[Math.min(...f.lanes)] - 20);
    const box = clear(document.getElementById('details'));
    box.appendChild(el('h2', null, f.title));
    box.appendChild(keyValues([
      ['severity', f.severity], ['detector', f.detector], ['when', f.when ?? formatDuration(f.t0)], ['evidence from', `${formatDuration(f.t0)} to ${formatDuration(f.t1)}`],
    ]));
    box.appendChild(el('p', 'message', f.message));
    if (f.sites.length) {
      box.appendChild(el('h3', null, 'Call sites'));
      const ul = el('ul', 'sites');
      for (const s of f.sites) ul.appendChild(el('li', null, s));
      box.appendChild(ul);
    }
    if (f.fix) { box.appendChild(el('h3', null, 'Fix')); box.appendChild(el('p', 'fix', f.fix)); }
    if (f.evidence.length) {
      box.appendChild(el('h3', null, 'Evidence'));
      const ul = el('ul', 'evidence');
      for (const s of f.evidence) ul.appendChild(el('li', null, s));
      box.appendChild(ul);
    }
    schedule();
  }

  // Hover details.
  const tip = document.getElementById('tooltip');
  canvas.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    const px = e.clientX - r.left;
    const y = e.clientY - r.top + scroller.scrollTop;
    const lines = hoverLines(px, y);
    if (!lines) { tip.style.display = 'none'; return; }
    clear(tip);
    for (const line of lines) tip.appendChild(el('div', null, line));
    tip.style.display = 'block';
    tip.style.left = `${Math.min(e.clientX + 14, window.innerWidth - 340)}px`;
    tip.style.top = `${e.clientY + 14}px`;
  });
  canvas.addEventListener('mouseleave', () => { tip.style.display = 'none'; });
  // A click (not a drag: d3.zoom swallows those) pins the hovered item's details in the side panel.
  canvas.addEventListener('click', (e) => {
    const r = canvas.getBoundingClientRect();
    const lines = hoverLines(e.clientX - r.left, e.clientY - r.top + scroller.scrollTop);
    if (!lines) return;
    const box = clear(document.getElementById('details'));
    box.appendChild(el('h2', null, lines[0]));
    for (const line of lines.slice(1)) box.appendChild(el('p', 'message', line));
    state.pinned = lines;
  });

  function hoverLines(px, y) {
    const x = ctl.x();
    const nsPerPx = (x.domain()[1] - x.domain()[0]) / plotWidth();
    const t = x.invert(px);
    const tr = trackAtY(layout, y);
    const lane = laneAtY(layout, y);
    if (lane < 0) return null;
    // instants first: they sit on top
    const inst = data.instants;
    if (tr === firstTrack[lane] || tr < 0) {
      const lo = inst.laneOffsets[lane];
      const hi = inst.laneOffsets[lane + 1];
      const j = lowerBound(inst.ts, t - 4 * nsPerPx, lo, hi);
      if (j < hi && inst.ts[j] <= t + 4 * nsPerPx && y - (layout.trackY[firstTrack[lane]] ?? layout.laneY[lane]) < 10) {
        return [
          `${data.catNames[inst.cat[j]]}: ${data.strings[inst.name[j]] ?? ''}`,
          `at ${formatDuration(inst.ts[j])}`,
          data.strings[inst.site[j]] ? `site ${data.strings[inst.site[j]]}` : '',
          data.lanes[lane].label,
        ].filter(Boolean);
      }
    }
    if (tr < 0) return null;
    const [i0, i1] = visibleRange(data.start, data.trackOffsets[tr], data.trackOffsets[tr + 1], data.maxDur[tr], t - 2 * nsPerPx, t + 2 * nsPerPx);
    let best = -1;
    for (let i = Math.max(i0, i1 - 5000); i < i1; i++) {
      if (data.start[i] <= t + 2 * nsPerPx && data.start[i] + data.dur[i] >= t - 2 * nsPerPx) {
        if (best < 0 || data.dur[i] < data.dur[best]) best = i;
      }
    }
    if (best < 0) return null;
    const flags = data.flags[best];
    return [
      `${data.catNames[data.cat[best]]}: ${data.strings[data.name[best]] ?? ''}`,
      `start ${formatDuration(data.start[best])}, duration ${formatDuration(data.dur[best])}${flags & 1 ? ' (never returned: open until the end of the trace)' : ''}`,
      flags & 2 ? 'error reported' : '',
      data.strings[data.site[best]] ? `site ${data.strings[data.site[best]]}` : '',
      data.lanes[data.tracks[tr].lane].label,
    ].filter(Boolean);
  }

  // Search by kernel or range name.
  const search = document.getElementById('search');
  const searchInfo = document.getElementById('search-info');
  let matches = [];
  let matchPos = -1;
  function runSearch(q) {
    q = q.trim().toLowerCase();
    matches = [];
    matchPos = -1;
    if (!q) { hitName = null; state.hits = 0; searchInfo.textContent = ''; schedule(); return 0; }
    hitName = new Uint8Array(data.strings.length);
    data.strings.forEach((s, i) => { if (i > 0 && String(s).toLowerCase().includes(q)) hitName[i] = 1; });
    for (let i = 0; i < data.nIntervals; i++) if (hitName[data.name[i]]) matches.push(i);
    matches.sort((a, b) => data.start[a] - data.start[b]);
    state.hits = matches.length;
    searchInfo.textContent = `${matches.length} match${matches.length === 1 ? '' : 'es'}${matches.length ? ' (Enter: next)' : ''}`;
    schedule();
    return matches.length;
  }
  function nextMatch() {
    if (!matches.length) return;
    matchPos = (matchPos + 1) % matches.length;
    const i = matches[matchPos];
    const pad = Math.max(data.dur[i] * 0.5, 5000);
    ctl.zoomTo(data.start[i] - pad, data.start[i] + data.dur[i] + pad);
    searchInfo.textContent = `${matchPos + 1} of ${matches.length}`;
  }
  let searchTimer = 0;
  search.addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(() => runSearch(search.value), 120); });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { clearTimeout(searchTimer); if (!matches.length) runSearch(search.value); nextMatch(); }
    if (e.key === 'Escape') search.blur();
  });
  document.getElementById('reset').addEventListener('click', () => ctl.reset());

  Object.assign(state, {
    selectFinding,
    zoomTo: (a, b) => ctl.zoomTo(a, b),
    reset: () => ctl.reset(),
    search: runSearch,
    nextMatch,
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
    select(a, b) { selection = [a, b]; showSummary(summarizeRange(data, a, b)); schedule(); return state.summary; },
  });
  render();
  state.firstRenderMs = performance.now();
  state.ready = true;
}

function renderHeader(payload) {
  document.title = `mpstrace · ${payload.title}`;
  document.getElementById('title').textContent = payload.title;
  const info = document.getElementById('info');
  info.appendChild(keyValues(payload.info));
  const warn = document.getElementById('warnings');
  for (const w of payload.warnings ?? []) warn.appendChild(el('li', null, w));
}

/** Entry point: read the inlined payload (JSON text, never evaluated as script) and start. */
export function main() {
  try {
    const payload = JSON.parse(document.getElementById('mpstrace-data').textContent);
    startApp(payload);
  } catch (err) {
    const box = document.getElementById('fatal');
    box.textContent = `This report could not be shown: ${err && err.message ? err.message : err}`;
    box.style.display = 'block';
    window.__MPSTRACE__ = Object.assign(window.__MPSTRACE__ || {}, { error: String(err) });
    throw err;
  }
}
