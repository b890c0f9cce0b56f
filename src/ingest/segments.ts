/**
 * Decoded batches as Parquet segment files, the loader's second way into raw_events
 * (load.ts, "parquet" ingest). DuckDB's `INSERT ... SELECT * FROM read_parquet(...)` runs
 * on all of DuckDB's threads and keeps the rows in file order (an order-preserving batch
 * insert), where the data-chunk appender is one thread. So the decoder writes its
 * batches into Parquet files of SEGMENT_ROW_GROUPS row groups of ROW_GROUP_ROWS rows
 * (DuckDB's own row-group size, so each Parquet row group becomes one table row
 * group), and the loader inserts each finished segment and deletes it. A segment is
 * about 50 MB (52 bytes a row: id and tid take a few bytes a row group, the kind one byte
 * a row; see RAW_PARQUET_COLUMNS); the decoder stays at most one finished segment ahead
 * of the inserts, so the directory holds at most two.
 */
import path from 'node:path';
import type { EventBatch } from '../format/reader.js';
import { ParquetFileWriter, type ParquetColumn } from './parquetWriter.js';

/** DuckDB's row-group size (and the rows of one decoded batch in this mode). */
export const ROW_GROUP_ROWS = 122_880;
/** Row groups per segment file. */
export const SEGMENT_ROW_GROUPS = 8;
/**
 * Row groups of the first segments (then SEGMENT_ROW_GROUPS): small, so DuckDB's inserts
 * start while decoding is still cold. The first segment is the first batch alone, of
 * FIRST_BATCH_ROWS rows: the first rows decode at a tenth of the later speed (the JIT has
 * not compiled the decoder yet; the first reads fault their buffers in), so a first row
 * group of ROW_GROUP_ROWS held DuckDB's first insert back by about 100 ms.
 */
export const FIRST_SEGMENTS: readonly number[] = [1, 2];
/** Rows of the first batch. */
export const FIRST_BATCH_ROWS = 16_384;

/**
 * raw_events' columns in table order (CREATE TABLE raw_events in views.generated.sql).
 * id is a sequence within every batch and tid one run per chunk, so they are written as
 * such (parquetWriter.ts); the payload columns stay PLAIN: writing mostly-zero ones as
 * runs too made the segments 280 MB instead of 500 MB at 10 M events but cost as much
 * CPU (dictionary decoding in DuckDB, the runs here) as it saved in copies.
 */
export const RAW_PARQUET_COLUMNS: readonly ParquetColumn[] = [
  { name: 'id', kind: 'int64', encoding: 'sequence' },
  { name: 'ts', kind: 'int64' },
  { name: 'tid', kind: 'int64', encoding: 'runs' },
  { name: 'kind', kind: 'uint8' },
  { name: 'site', kind: 'uint32' },
  { name: 'p0', kind: 'int64' },
  { name: 'p1', kind: 'int64' },
  { name: 'p2', kind: 'int64' },
  { name: 'p3', kind: 'int64' },
  { name: 'p4', kind: 'int64' },
];

/** A finished segment: its file and rows. */
export interface Segment {
  file: string;
  rows: number;
}

/**
 * Writes batches of at most ROW_GROUP_ROWS rows (each one row group) into numbered
 * segment files in `dir`, calling `onSegment` when one is finished. The decoder's
 * batches are full but for the first (FIRST_BATCH_ROWS) and the last; DuckDB's
 * order-preserving insert merges a short row group with the ones after it.
 */
export class SegmentWriter {
  private current: ParquetFileWriter | undefined;
  private groups = 0;
  private next = 0;

  constructor(
    private readonly dir: string,
    private readonly onSegment: (s: Segment) => void,
    private readonly groupsPerSegment = SEGMENT_ROW_GROUPS,
    private readonly firstSegments = FIRST_SEGMENTS,
  ) {}

  add(b: EventBatch): void {
    if (b.count === 0) return;
    if (b.count > ROW_GROUP_ROWS) throw new Error(`segments: a batch of ${b.count} rows is more than a row group`);
    if (!this.current) {
      const file = path.join(this.dir, `seg-${String(this.next++).padStart(6, '0')}.parquet`);
      this.current = new ParquetFileWriter(file, RAW_PARQUET_COLUMNS);
      this.groups = 0;
    }
    this.current.writeRowGroup(b.count, [b.id, b.ts, b.tid, b.kind, b.site, ...b.p]);
    const limit = Math.min(this.firstSegments[this.next - 1] ?? this.groupsPerSegment, this.groupsPerSegment);
    if (++this.groups >= limit) this.finishSegment();
  }

  /** Finishes the segment being written, if any. */
  finish(): void {
    this.finishSegment();
  }

  /** Drops an unfinished segment (its file is removed); never throws. */
  abort(): void {
    this.current?.abort();
    this.current = undefined;
  }

  private finishSegment(): void {
    const w = this.current;
    if (!w) return;
    this.current = undefined;
    try {
      w.close();
    } catch (e) {
      w.abort();
      throw e;
    }
    this.onSegment({ file: w.file, rows: w.rowCount });
  }
}
