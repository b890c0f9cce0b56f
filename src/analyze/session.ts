/**
 * A TraceSession is one opened trace and the analysis computed over it, shared
 * by everything that reads the trace in one command: the trace is opened and
 * decoded once (openTrace reads the header once and hands one reader to the
 * decoder), and the findings, trace metadata and span are computed at most once,
 * on first use. `analyze`, `metrics`, `report` and `export` all start here.
 */
import { openTrace, type LoadedTrace, type OpenTraceOptions, type TraceInfo, type TraceWarning } from '../ingest/load.js';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Detector } from '../detectors/registry.js';
import { analyzeTraceAll, IncompleteAnalysisError, type Analysis, type AnalyzeOptions } from './analyzeTrace.js';
import type { Finding } from './finding.js';
import { readTraceMeta } from './traceMeta.js';

export class TraceSession {
  private readonly analysisByKey = new Map<string, Promise<Analysis>>();
  private metaP?: Promise<Record<string, string>>;

  private constructor(
    readonly path: string,
    readonly loaded: LoadedTrace,
  ) {}

  /** Opens a .mpst trace, a .duckdb cache or a saved Parquet directory. */
  static async open(path: string, opts: OpenTraceOptions = {}): Promise<TraceSession> {
    return new TraceSession(path, await openTrace(path, opts));
  }

  /** Wraps a trace that is already loaded (tests, library users); close() closes it. */
  static of(loaded: LoadedTrace, path = loaded.info.path): TraceSession {
    return new TraceSession(path, loaded);
  }

  get connection(): DuckDBConnection {
    return this.loaded.connection;
  }

  get info(): TraceInfo {
    return this.loaded.info;
  }

  get warnings(): TraceWarning[] {
    return this.loaded.warnings;
  }

  /**
   * The analysis for these options, computed once per distinct (rules,
   * thresholds, grouping): `report` and `metrics` ask for the defaults and share
   * it. A detector that fails (e.g. DuckDB out of memory) is listed in `failed`;
   * the other detectors' findings are kept.
   */
  analysis(
    opts: Omit<AnalyzeOptions, 'rules' | 'onTiming'> & { detectors?: Detector[]; onTiming?: AnalyzeOptions['onTiming'] } = {},
  ): Promise<Analysis> {
    const key = JSON.stringify([opts.detectors?.map((d) => d.id) ?? null, opts.thresholds ?? {}, opts.group !== false]);
    let p = this.analysisByKey.get(key);
    if (!p) {
      p = analyzeTraceAll(this.loaded, opts);
      this.analysisByKey.set(key, p);
    }
    return p;
  }

  /** The findings; throws IncompleteAnalysisError (which carries the others' findings) when a detector failed. */
  async findings(
    opts: Omit<AnalyzeOptions, 'rules' | 'onTiming'> & { detectors?: Detector[]; onTiming?: AnalyzeOptions['onTiming'] } = {},
  ): Promise<Finding[]> {
    const a = await this.analysis(opts);
    if (a.failed.length > 0) throw new IncompleteAnalysisError(a);
    return a.findings;
  }

  /** trace_meta as strings (backend, pid, recorder, ...), read once. */
  meta(): Promise<Record<string, string>> {
    this.metaP ??= readTraceMeta(this.loaded.connection);
    return this.metaP;
  }

  close(): void {
    this.loaded.close();
  }
}
