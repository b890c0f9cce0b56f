/**
 * Native call sites (`prog+0x5a87`) become `function (file:line)`: for each
 * call site of a trace not yet symbolized, the binary of its module is found
 * (the recorded path, else a file of the same name under --search-path whose
 * GNU build id matches the module record), and the system symbolizer reads
 * its ELF symbols and DWARF line tables: llvm-symbolizer when installed (one
 * process for all addresses), else binutils addr2line (one per module).
 * The results are appended to the trace as `symbol` records, so every later
 * load shows them. No DWARF parsing of our own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { appendToTrace } from '../format/append.js';
import { KIND_BY_NAME, type KindDef } from '../format/kinds.js';
import { TraceReader, type DecodedRecord } from '../format/reader.js';
import { elfFacts } from './elf.js';

export interface SymbolizeOptions {
  searchPaths?: string[];
  /** 'auto' (llvm-symbolizer, else addr2line), or a tool name/path. */
  tool?: string;
}

export interface ModuleResult {
  module: string;
  build_id: string;
  file: string | null;
  sites: number;
  resolved: number;
  why?: string;
}

export interface SymbolizeResult {
  trace: string;
  tool: string | null;
  sites: number;
  already: number;
  resolved: number;
  appended: number;
  modules: ModuleResult[];
}

function fields(r: DecodedRecord, def: KindDef): Record<string, bigint> {
  const f: Record<string, bigint> = {};
  for (const fd of def.fields) {
    const word = BigInt.asUintN(64, r.p[fd.word] ?? 0n);
    f[fd.name] = (word >> BigInt(fd.shift)) & ((1n << BigInt(fd.bytes * 8)) - 1n);
  }
  return f;
}

interface Site {
  id: number;
  addr: bigint;
  rel: bigint;
  module: string;
}

/** Files named like `module` under the search paths (two levels deep), the recorded path first. */
function candidates(module: string, searchPaths: string[]): string[] {
  const base = path.basename(module);
  const out: string[] = [];
  if (existsSync(module)) out.push(module);
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(dir, n);
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isFile() && n === base) out.push(p);
      else if (st.isDirectory() && depth > 0) walk(p, depth - 1);
    }
  };
  for (const d of searchPaths) {
    if (existsSync(d) && statSync(d).isFile()) {
      if (path.basename(d) === base) out.push(d);
    } else walk(d, 2);
  }
  return [...new Set(out)];
}

interface Loc {
  fn: string;
  file: string;
  line: number;
}

function haveTool(t: string): boolean {
  return spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0;
}

function pickTool(requested?: string): string | null {
  if (requested && requested !== 'auto') return haveTool(requested) ? requested : null;
  for (const t of ['llvm-symbolizer', 'addr2line']) if (haveTool(t)) return t;
  return null;
}

function runLlvm(tool: string, queries: { file: string; vaddr: bigint }[]): (Loc | null)[] {
  const input = queries.map((q) => `"${q.file}" 0x${q.vaddr.toString(16)}`).join('\n') + '\n';
  const r = spawnSync(tool, ['--output-style=JSON', '--no-demangle', '--inlines'], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.trim().startsWith('{'));
  return queries.map((_, i) => {
    try {
      const j = JSON.parse(lines[i] ?? '') as { Symbol?: { FunctionName?: string; FileName?: string; Line?: number }[] };
      // the innermost frame, unless it is inlined from the annotation header (then its caller)
      const frames = j.Symbol ?? [];
      const s = frames.find((f) => !/(^|[\\/])mpstrace\.h$/.test(f.FileName ?? '')) ?? frames[0];
      if (!s?.FunctionName || s.FunctionName === '??') return null;
      return { fn: s.FunctionName, file: s.FileName && s.FileName !== '??' ? s.FileName : '', line: s.Line ?? 0 };
    } catch {
      return null;
    }
  });
}

function runAddr2line(tool: string, queries: { file: string; vaddr: bigint }[]): (Loc | null)[] {
  const out: (Loc | null)[] = queries.map(() => null);
  const byFile = new Map<string, number[]>();
  queries.forEach((q, i) => {
    byFile.set(q.file, [...(byFile.get(q.file) ?? []), i]);
  });
  for (const [file, idx] of byFile) {
    const r = spawnSync(tool, ['-f', '-e', file, ...idx.map((i) => `0x${queries[i]!.vaddr.toString(16)}`)], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    const lines = (r.stdout ?? '').split('\n');
    idx.forEach((qi, k) => {
      const fn = lines[2 * k] ?? '??';
      const where = lines[2 * k + 1] ?? '??:0';
      const m = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(where);
      if (fn === '??') return;
      out[qi] = { fn, file: m && m[1] !== '??' ? m[1]! : '', line: m && m[2] !== '?' ? Number(m[2]) : 0 };
    });
  }
  return out;
}

/** The trace's meta records (call sites, modules, symbols) and strings, streamed: traces reach gigabytes. */
function readMeta(tracePath: string): { records: DecodedRecord[]; strings: Map<number, string> } {
  const want = new Set(['callsite', 'module', 'symbol'].map((k) => KIND_BY_NAME.get(k)!.id));
  const r = TraceReader.open(tracePath);
  const records: DecodedRecord[] = [];
  let lastTs = 0n;
  try {
    for (const b of r.batches(65536)) {
      for (let i = 0; i < b.count; i++) {
        if (b.ts[i]! > lastTs) lastTs = b.ts[i]!;
        if (!want.has(b.kind[i]!)) continue;
        records.push({ id: b.id[i]!, ts: b.ts[i]!, tid: b.tid[i]!, kind: b.kind[i]!, site: b.site[i]!, p: b.p.map((c) => c[i]!) });
      }
    }
  } finally {
    r.close();
  }
  // the latest time, carried by a pseudo-record that matches no kind
  records.push({ id: -1n, ts: lastTs, tid: 0n, kind: 0, site: 0, p: [] });
  return { records, strings: r.strings };
}

export function symbolizeTrace(tracePath: string, opts: SymbolizeOptions = {}): SymbolizeResult {
  const t = readMeta(tracePath);
  const defs = { callsite: KIND_BY_NAME.get('callsite')!, module: KIND_BY_NAME.get('module')!, symbol: KIND_BY_NAME.get('symbol')! };
  const str = (id: bigint) => t.strings.get(Number(id)) ?? '';
  const modules = new Map<string, { buildId: string; base: bigint }>();
  const done = new Set<number>();
  const raw: { id: number; addr: bigint; offset: bigint; symbol: string; module: string }[] = [];
  let tid = 0;
  let lastTs = 0n;
  for (const r of t.records) {
    if (r.ts > lastTs) lastTs = r.ts;
    if (r.kind === defs.module.id) {
      const f = fields(r, defs.module);
      modules.set(str(f.module!), { buildId: str(f.build_id!), base: f.base! });
    } else if (r.kind === defs.symbol.id) {
      done.add(Number(fields(r, defs.symbol).site_id));
    } else if (r.kind === defs.callsite.id) {
      const f = fields(r, defs.callsite);
      if (!tid) tid = Number(r.tid);
      raw.push({ id: Number(f.site_id), addr: f.addr!, offset: f.offset!, symbol: str(f.symbol!), module: str(f.module!) });
    }
  }
  // native sites only: a named site (Python function:line) has no address
  const sites: Site[] = [];
  for (const c of raw) {
    if (c.addr === 0n || !c.module || done.has(c.id)) continue;
    const m = modules.get(c.module);
    const rel = m ? c.addr - m.base : !c.symbol ? c.offset : -1n; // old traces: module offset only for unnamed sites
    if (rel < 0n) continue;
    sites.push({ id: c.id, addr: c.addr, rel, module: c.module });
  }
  const result: SymbolizeResult = {
    trace: tracePath,
    tool: null,
    sites: sites.length,
    already: done.size,
    resolved: 0,
    appended: 0,
    modules: [],
  };
  if (sites.length === 0) return result;
  const tool = pickTool(opts.tool);
  result.tool = tool;

  const queries: { file: string; vaddr: bigint; site: Site }[] = [];
  const byModule = new Map<string, Site[]>();
  for (const s of sites) byModule.set(s.module, [...(byModule.get(s.module) ?? []), s]);
  for (const [module, list] of byModule) {
    const want = modules.get(module)?.buildId ?? '';
    const mr: ModuleResult = { module, build_id: want, file: null, sites: list.length, resolved: 0 };
    result.modules.push(mr);
    let mismatch = 0;
    for (const c of candidates(module, opts.searchPaths ?? [])) {
      const e = elfFacts(c);
      if (!e) continue;
      if (want && e.buildId !== want) {
        mismatch++;
        continue;
      }
      mr.file = c;
      // a return address: the call is the instruction before it
      for (const s of list) queries.push({ file: c, vaddr: s.rel + e.baseVaddr - 1n, site: s });
      break;
    }
    if (!mr.file) {
      mr.why = mismatch
        ? `${mismatch} file(s) named ${path.basename(module)} found, none with build id ${want}`
        : `no file ${path.basename(module)} found (give --search-path DIR)`;
    }
  }
  if (!tool) {
    for (const m of result.modules) if (m.file) m.why = 'no symbolizer: install llvm-symbolizer or binutils (addr2line)';
    return result;
  }
  const locs = path.basename(tool).startsWith('llvm-symbolizer') ? runLlvm(tool, queries) : runAddr2line(tool, queries);
  const found: { site: number; loc: Loc }[] = [];
  queries.forEach((q, i) => {
    const loc = locs[i];
    if (!loc) return;
    found.push({ site: q.site.id, loc });
    const mr = result.modules.find((m) => m.module === q.site.module);
    if (mr) mr.resolved++;
  });
  result.resolved = found.length;
  if (found.length) {
    result.appended = appendToTrace(tracePath, tid || 1, (w) => {
      for (const f of found)
        w.record(tid || 1, 'symbol', lastTs, { site_id: f.site, line: f.loc.line, function: f.loc.fn, file: f.loc.file });
    });
  }
  return result;
}
