// The side panel: the findings list (count worded as the CLI's), a finding's or
// a clicked item's details, and the summary of a selected time range.
import { SEVERITY_COLOR } from './markers.js';
import { formatDuration, timeFormatter } from './format.js';
import { el, clear, keyValues, byId } from './dom.js';

/**
 * Fills the findings list; `onSelect` gets the index of the finding clicked or chosen by keyboard.
 * @param {import('./model.js').Model} data
 * @param {import('../src/report/payload-types.js').ReportPayload} payload
 * @param {(i: number) => void} onSelect
 */
export function findingsList(data, payload, onSelect) {
  const list = byId('findings-list');
  byId('findings-count').textContent =
    payload.findingsNote ?? payload.findingsCount ?? `${data.findings.length} finding${data.findings.length === 1 ? '' : 's'}`;
  data.findings.forEach((f, i) => {
    const li = el('li', `finding sev-${String(f.severity)}`);
    const badge = el('span', 'sev', f.severity === 'info' ? 'note' : f.severity);
    badge.style.background = SEVERITY_COLOR[f.severity] ?? SEVERITY_COLOR.warning;
    li.appendChild(badge);
    li.appendChild(el('span', 'finding-title', f.title));
    // a context note is about the whole run: no time
    if (f.severity !== 'info') li.appendChild(el('span', 'finding-time', f.when ?? formatDuration(f.t0)));
    li.tabIndex = 0;
    li.addEventListener('click', () => onSelect(i));
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        onSelect(i);
      }
    });
    list.appendChild(li);
  });
  return {
    /** @param {number} i the finding to show as selected (-1: none) */
    mark(i) {
      for (const [j, li] of list.querySelectorAll('li').entries()) li.classList.toggle('selected', j === i);
    },
  };
}

/** @param {import('../src/report/payload-types.js').PageFinding} f */
export function showFindingDetails(f) {
  const box = clear(byId('details'));
  const fmt = timeFormatter(Math.max(f.t1 - f.t0, 1000), f.t1);
  box.appendChild(el('h2', null, f.title));
  box.appendChild(
    keyValues([
      ['severity', f.severity],
      ['rule', f.detector],
      ['when', f.when ?? fmt(f.t0)],
      ['evidence', `${fmt(f.t0)} – ${fmt(f.t1)}`],
    ]),
  );
  box.appendChild(el('p', 'message', f.message));
  if (f.sites.length) {
    box.appendChild(el('h3', null, 'Call sites'));
    const ul = el('ul', 'sites');
    for (const s of f.sites) ul.appendChild(el('li', null, s));
    box.appendChild(ul);
  }
  if (f.fix) {
    box.appendChild(el('h3', null, 'Fix'));
    box.appendChild(el('p', 'fix', f.fix));
  }
  if (f.evidence.length) {
    box.appendChild(el('h3', null, 'Evidence'));
    const ul = el('ul', 'evidence');
    for (const s of f.evidence) ul.appendChild(el('li', null, s));
    box.appendChild(ul);
  }
}

/** @param {string[]} lines a title, then one paragraph each */
export function showPinned(lines) {
  const box = clear(byId('details'));
  box.appendChild(el('h2', null, lines[0]));
  for (const line of lines.slice(1)) box.appendChild(el('p', 'message', line));
}

/**
 * The selected range's summary, at the top of the panel (it is what the user is looking at).
 * @param {ReturnType<typeof import('./summary.js').summarizeRange> | null} sum
 * @param {(t0: number, t1: number) => void} zoomTo
 */
export function showSummary(sum, zoomTo) {
  const box = clear(byId('selection'));
  if (!sum) {
    box.appendChild(el('p', 'hint', 'Drag on the time axis to select a range.'));
    return;
  }
  const fmt = timeFormatter(sum.spanNs, sum.t1);
  const head = el('div', 'sel-head');
  head.appendChild(el('h2', null, `Selection: ${formatDuration(sum.spanNs)}`));
  const zoomBtn = el('button', null, 'Zoom to it');
  zoomBtn.addEventListener('click', () => zoomTo(sum.t0, sum.t1));
  head.appendChild(zoomBtn);
  box.appendChild(head);
  const pct = (/** @type {number} */ v) => `${formatDuration(v)} (${((100 * v) / Math.max(1, sum.spanNs)).toFixed(1)}%)`;
  box.appendChild(
    keyValues([
      ['from', fmt(sum.t0)],
      ['to', fmt(sum.t1)],
      ['any stream busy', pct(sum.anyBusyNs)],
      ['≥2 streams overlap', pct(sum.overlapNs)],
    ]),
  );
  box.appendChild(el('h3', null, 'GPU busy per stream'));
  box.appendChild(keyValues(sum.streams.map((s) => [s.label, pct(s.busyNs)])));
  box.appendChild(el('h3', null, 'Blocked in syncs per thread'));
  box.appendChild(keyValues(sum.threads.map((s) => [s.label, pct(s.blockedNs)])));
}
