// The page payload's shapes, types only: the CLI (payload.ts) builds them and the
// page (viz/model.js, through JSDoc) reads them, so the viewer's type-check uses
// this one definition without pulling in Node code.

/**
 * A column's little-endian bytes: inline as base64 (`b64`), or, in the page's packed form
 * (html.ts packForPage), at `at` = [byte offset, byte length] of the payload's `packed` blob.
 */
export type Column = { type: 'f64' | 'f32' | 'u32' | 'i32' | 'u16' | 'u8'; b64?: string; at?: [number, number] };
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
  /**
   * The page's form (html.ts packForPage): `strings` and every column's bytes in one deflate-raw
   * blob (`bytes` long inflated), base64. [offset, length] in it: `strings` the strings' UTF-8 bytes one
   * after the other, `stringOffsets` their u32 byte offsets (n + 1); columns carry `at` instead of `b64`.
   */
  packed?: { b64: string; bytes: number; strings: [number, number]; stringOffsets: [number, number] };
  /** the trace was too large to embed: tracks are aggregated per time bucket (the first warning says what was left out) */
  aggregated?: boolean;
}
