// Packs collected lanes into the page's columns: each lane's intervals become
// tracks (rows), sorted by track then start; instants sorted by lane then ts;
// flows resolved to lane indexes. See payload.ts for the layout the page decodes.
import { table, type Lane, type Table, type Track } from './payload.js';
import { nestRows, packRows, type IntervalBuf } from './intervals.js';
import type { LaneAcc, FlowRow } from './collect.js';

export interface Packed {
  lanes: Lane[];
  tracks: Track[];
  intervals: Table & { offsets: number[] };
  instants: Table & { offsets: number[] };
  flows: Table;
  /** `s:<stream>` / `t:<tid>` -> lane index */
  laneIndex: Map<string, number>;
  nIntervals: number;
  nInstants: number;
}

export const laneKey = (l: Pick<LaneAcc, 'kind' | 'key'>) => `${l.kind === 'stream' ? 's' : 't'}:${l.key}`;

export function packLanes(keep: LaneAcc[], flowRows: FlowRow[]): Packed {
  const outLanes: Lane[] = [];
  const tracks: Track[] = [];
  const laneIndex = new Map<string, number>();
  const parts: { buf: IntervalBuf; idx: Uint32Array; rows: Uint8Array; track0: number }[] = [];
  let total = 0;
  for (const l of keep) {
    const li = outLanes.length;
    laneIndex.set(laneKey(l), li);
    outLanes.push({ kind: l.kind, label: l.label, detail: l.detail });
    let row = 0;
    const add = (buf: IntervalBuf, kind: Track['kind'], pack: 'pack' | 'nest') => {
      if (buf.n === 0) return;
      const idx = buf.order();
      const rows = pack === 'pack' ? packRows(buf, idx) : nestRows(buf, idx);
      let maxRow = 0;
      for (let i = 0; i < buf.n; i++) if (rows[i] > maxRow) maxRow = rows[i];
      parts.push({ buf, idx, rows, track0: tracks.length });
      for (let r = 0; r <= maxRow; r++) tracks.push({ lane: li, row: row++, kind });
      total += buf.n;
    };
    if (l.kind === 'thread' || l.gpu.n === 0) tracks.push({ lane: li, row: row++, kind: 'instant' });
    add(l.api, 'api', 'pack');
    add(l.gpu, 'gpu', 'pack');
    add(l.nest, 'nest', 'nest');
    add(l.slot, 'slot', 'pack');
  }

  // Interval columns sorted by track, then start.
  const counts = new Uint32Array(tracks.length);
  for (const p of parts) for (let i = 0; i < p.buf.n; i++) counts[p.track0 + p.rows[i]]++;
  const offsets = [0];
  for (let t = 0; t < tracks.length; t++) offsets.push(offsets[t] + counts[t]);
  const cursor = offsets.slice(0, -1);
  const start = new Float64Array(total);
  const dur = new Float32Array(total);
  const name = new Uint32Array(total);
  const site = new Uint32Array(total);
  const cat = new Uint8Array(total);
  const flags = new Uint8Array(total);
  for (const p of parts) {
    for (const i of p.idx) {
      const j = cursor[p.track0 + p.rows[i]]++;
      start[j] = p.buf.start[i];
      dur[j] = p.buf.dur[i];
      name[j] = p.buf.name[i];
      site[j] = p.buf.site[i];
      cat[j] = p.buf.cat[i];
      flags[j] = p.buf.flags[i];
    }
  }

  // Instants sorted by lane, then ts.
  const instOffsets = [0];
  let nInst = 0;
  for (const l of keep) {
    nInst += l.inst.ts.length;
    instOffsets.push(nInst);
  }
  const iTs = new Float64Array(nInst);
  const iName = new Uint32Array(nInst);
  const iSite = new Uint32Array(nInst);
  const iCat = new Uint8Array(nInst);
  keep.forEach((l, li) => {
    const base = instOffsets[li];
    const order = l.inst.ts.map((_, i) => i).sort((a, b) => l.inst.ts[a] - l.inst.ts[b] || a - b);
    order.forEach((src, k) => {
      iTs[base + k] = l.inst.ts[src];
      iName[base + k] = l.inst.name[src];
      iSite[base + k] = l.inst.site[src];
      iCat[base + k] = l.inst.cat[src];
    });
  });

  // Flows whose both ends have a lane, sorted by source time (the page scans them in order).
  const rows = flowRows.filter((f) => laneIndex.has(f.from) && laneIndex.has(f.to)).sort((a, b) => a.fromTs - b.fromTs || a.toTs - b.toTs);
  const n = rows.length;
  const fromTs = new Float64Array(n);
  const toTs = new Float64Array(n);
  const fromLane = new Uint16Array(n);
  const toLane = new Uint16Array(n);
  const kind = new Uint8Array(n);
  rows.forEach((f, i) => {
    fromTs[i] = f.fromTs;
    fromLane[i] = laneIndex.get(f.from)!;
    toTs[i] = f.toTs;
    toLane[i] = laneIndex.get(f.to)!;
    kind[i] = f.kind;
  });

  return {
    lanes: outLanes,
    tracks,
    intervals: { ...table(total, { start, dur, name, site, cat, flags }), offsets },
    instants: { ...table(nInst, { ts: iTs, name: iName, site: iSite, cat: iCat }), offsets: instOffsets },
    flows: table(n, { fromTs, fromLane, toTs, toLane, kind }),
    laneIndex,
    nIntervals: total,
    nInstants: nInst,
  };
}
