// The data contract between the CLI and the page (viz/model.js decodes it).
// Columns travel as base64 little-endian typed arrays: no parser library in the
// page, no per-row objects, ~23 bytes per interval before base64.

export type Column = { type: 'f64' | 'f32' | 'u32' | 'i32' | 'u16' | 'u8'; b64: string };
export type Table = { n: number; cols: Record<string, Column> };

export interface Lane {
  kind: 'stream' | 'thread';
  label: string;
  detail?: string;
}

/** A row of a lane; intervals belong to tracks. kind picks its height: api (host launches/copies), gpu, nest (host calls), slot, instant. */
export interface Track {
  lane: number;
  row: number;
  kind: 'api' | 'gpu' | 'nest' | 'slot' | 'instant';
}

export interface PageFinding {
  severity: string;
  detector: string;
  title: string;
  message: string;
  fix: string;
  sites: string[];
  /** the CLI's time of the finding, `t=3.286732s` */
  when: string;
  evidence: string[];
  /** evidence time range, ns since trace start */
  t0: number;
  t1: number;
  lanes: number[];
}

export interface ReportPayload {
  version: 1;
  title: string;
  info: [string, string][];
  warnings: string[];
  /** ns from the trace start (time 0 on the page) to its last record */
  spanNs: number;
  /** absolute ts of time 0, as a decimal string (i64) */
  originNs: string;
  strings: string[];
  categories: string[];
  lanes: Lane[];
  tracks: Track[];
  /** sorted by track, then start; offsets[t]..offsets[t+1] are track t's. cols: start f64, dur f32, name u32, site u32, cat u8, flags u8 */
  intervals: Table & { offsets: number[] };
  /** sorted by lane, then ts. cols: ts f64, name u32, site u32, cat u8 */
  instants: Table & { offsets: number[] };
  /** arrows, sorted by fromTs. cols: fromTs f64, fromLane u16, toTs f64, toLane u16, kind u8 (0 event record -> wait, 1 host launch -> GPU execution) */
  flows: Table;
  findings: PageFinding[];
  /** the findings count as the CLI's last line says it (errors, warnings, context notes) */
  findingsCount?: string;
  /** replaces the findings count when analysis was unavailable */
  findingsNote?: string;
  /** the trace was too large to embed: tracks are aggregated per time bucket (the first warning says what was left out) */
  aggregated?: boolean;
}

/** Category names (index = the `cat` byte); the page colours by name. */
export const CATEGORIES = [
  'kernel',
  'commit',
  'memcpy',
  'memset',
  'pending',
  'sync',
  'elapsed',
  'range',
  'slot',
  'record',
  'wait',
  'query',
  'marker',
  'submit',
  'launch',
] as const;
export type Category = (typeof CATEGORIES)[number];
export const CAT: Record<Category, number> = Object.fromEntries(CATEGORIES.map((c, i) => [c, i])) as Record<Category, number>;

/** Interval flags. */
export const FLAG_OPEN = 1;
export const FLAG_ERROR = 2;

type Typed = Float64Array | Float32Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
const TYPE_NAME = new Map<unknown, Column['type']>([
  [Float64Array, 'f64'],
  [Float32Array, 'f32'],
  [Uint32Array, 'u32'],
  [Int32Array, 'i32'],
  [Uint16Array, 'u16'],
  [Uint8Array, 'u8'],
]);

/** A typed array -> an inlined column (little-endian, which is every platform Node runs on). */
export function column(a: Typed): Column {
  const type = TYPE_NAME.get(a.constructor);
  if (!type) throw new Error('unsupported column type');
  return { type, b64: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') };
}

export function table(n: number, cols: Record<string, Typed>): Table {
  const out: Table = { n, cols: {} };
  for (const [k, v] of Object.entries(cols)) out.cols[k] = column(v.length === n ? v : v.subarray(0, n));
  return out;
}

/** Interns strings for the page's dictionary; id 0 is the empty string. */
export class StringDict {
  readonly list: string[] = [''];
  private readonly ids = new Map<string, number>([['', 0]]);
  id(s: string | null | undefined): number {
    if (s === null || s === undefined || s === '') return 0;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(s);
      this.ids.set(s, id);
    }
    return id;
  }
}
