/**
 * SARIF 2.1.0 output (`--format sarif`) for GitHub code scanning and other
 * SARIF viewers. What code scanning needs to show an alert at a line (its
 * ingestion rules, checked in test/sarif.test.ts):
 * - every result has `locations[0].physicalLocation` with a repository-relative
 *   `artifactLocation.uri` and a `region.startLine`;
 * - the first location is the user's code: a Python site (`function:line` in a
 *   file under the source root) or a native site with a file and line. Library
 *   frames (shared objects, site-packages) are `relatedLocations`, named by
 *   module!symbol, so they are still in the alert but never its anchor;
 * - a finding with no site in the repository is anchored at the trace file
 *   (line 1), and says so in its message.
 * Context notes (rule `context`, level info) describe the run, not a defect at a
 * place; they are left out (the text and JSON outputs have them).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Detector } from '../detectors/registry.js';
import { findingTime, siteLabel, type CallSite, type Finding, type Severity } from '../analyze/finding.js';
import type { FindingsReport } from './findingsJson.js';
import { hasActive, sarifText } from '../util/escape.js';

export const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** Rules whose results are facts about the run, not defects at a place: not in SARIF. */
const CONTEXT_RULES = new Set(['context']);

/** Path segments of installed third-party code: never the anchor of an alert. */
const LIBRARY_DIRS = /[\\/](site-packages|dist-packages|node_modules|\.venv|venv)[\\/]/;

export interface SarifOptions {
  /** Directory that URIs are made relative to (the repository root in CI). */
  sourceRoot: string;
  /** Project docs URL (package.json `homepage`), used as informationUri and rule helpUri base; omitted when unknown. */
  homepage?: string | null;
}

/** Where a site is in source: a file (as recorded) and a line, when the site has one. */
function sourceOf(s: CallSite): { file: string; line: number } | null {
  const extra = s as CallSite & { file?: string | null; line?: number | null };
  if (extra.file && extra.line && extra.line > 0) return { file: extra.file, line: extra.line };
  // Python sites are recorded as symbol `function:line` in module `/path/file.py`.
  const m = s.symbol ? /:(\d+)$/.exec(s.symbol) : null;
  if (m && s.module && !/\.(so|dylib|dll)(\.\d+)*$/.test(s.module)) return { file: s.module, line: Number(m[1]) };
  return null;
}

/**
 * A recorded path as a URI relative to the source root: the path itself when it
 * is under the root; otherwise the longest trailing part of it that names a file
 * under the root (a trace recorded in /build/ci/repo/x.py or on another machine
 * still points at x.py of this checkout). Null when no such file exists.
 */
export function repoRelative(file: string, root: string): string | null {
  // a trace string with control characters is not a path anyone can open
  if (hasActive(file)) return null;
  const abs = path.resolve(root);
  const norm = file.replace(/\\/g, '/');
  if (path.isAbsolute(norm)) {
    const rel = path.relative(abs, norm);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel) && isFile(path.join(abs, rel))) return rel.split(path.sep).join('/');
  }
  const parts = norm.split('/').filter((p) => p && p !== '.');
  for (let i = 0; i < parts.length; i++) {
    const tail = parts.slice(i);
    // a '..' anywhere could climb out of the root to a file that is not the repository's
    if (tail.includes('..')) continue;
    const rel = tail.join('/');
    if (isFile(path.join(abs, rel))) return rel;
  }
  return null;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The repository root above `dir` (a folder holding `.git`), or `dir` itself. */
export function defaultSourceRoot(dir: string = process.cwd()): string {
  let d = path.resolve(dir);
  for (;;) {
    if (existsSync(path.join(d, '.git'))) return d;
    const up = path.dirname(d);
    if (up === d) return path.resolve(dir);
    d = up;
  }
}

const encodeRel = (rel: string) => rel.split('/').map(encodeURIComponent).join('/');

/**
 * A module path that can become a `file:` URI: absolute, without `.`/`..`
 * segments and without control or bidi characters. Anything else from the
 * trace (`javascript:...`, `https://...`, a name with a newline) stays a
 * logical location only.
 */
function isPlainAbsolutePath(p: string): boolean {
  return path.posix.isAbsolute(p) && !hasActive(p) && !p.split('/').some((seg) => seg === '.' || seg === '..');
}

interface Placed {
  site: CallSite;
  uri: string | null;
  line: number | null;
  user: boolean;
}

function place(s: CallSite, root: string): Placed {
  const src = sourceOf(s);
  const rel = src ? repoRelative(src.file, root) : null;
  const user = rel !== null && !LIBRARY_DIRS.test(`/${rel}`);
  return { site: s, uri: rel !== null ? encodeRel(rel) : null, line: src?.line ?? null, user };
}

function physical(uri: string, line: number): Record<string, unknown> {
  return { artifactLocation: { uri, uriBaseId: '%SRCROOT%' }, region: { startLine: line } };
}

/** A related location for a frame: in the repository when it resolves there, else named by module!symbol. */
function related(p: Placed, id: number): Record<string, unknown> {
  const label = siteLabel(p.site);
  const loc: Record<string, unknown> = { id, message: { text: sarifText(p.user ? `call site ${label}` : `library frame ${label}`) } };
  if (p.uri && p.line) loc.physicalLocation = physical(p.uri, p.line);
  else if (p.site.module && isPlainAbsolutePath(p.site.module)) {
    // A file outside the repository (a shared library on the recording machine): a file URI, no region.
    loc.physicalLocation = { artifactLocation: { uri: pathToFileURL(p.site.module).href } };
  }
  const name = sarifText(p.site.symbol ?? label);
  const fqn = p.site.symbol && p.site.module ? `${sarifText(path.basename(p.site.module))}!${name}` : name;
  loc.logicalLocations = [{ name, fullyQualifiedName: fqn, kind: 'function' }];
  return loc;
}

function result(f: Finding, ruleIndex: number, root: string, traceUri: string): Record<string, unknown> {
  const placed = f.sites.map((s) => place(s, root));
  const anchor = placed.find((p) => p.user && p.uri && p.line);
  const rest = placed.filter((p) => p !== anchor);
  const times = f.count > 1 ? `${f.count} occurrences, first at ${findingTime(f.t_s)}` : `at ${findingTime(f.t_s)}`;
  const where = anchor
    ? ''
    : ' No call site of this finding is in the repository (see the related library frames); it is shown at the trace file.';
  const r: Record<string, unknown> = {
    ruleId: f.rule,
    ruleIndex,
    level: SARIF_LEVEL[f.severity],
    message: { text: sarifText(`${f.message} (${f.kind}, ${times} in the trace).${where}${f.fix ? ` Fix: ${f.fix}` : ''}`) },
    locations: [{ physicalLocation: physical(anchor?.uri ?? traceUri, anchor?.line ?? 1) }],
    partialFingerprints: { 'mpstraceSignature/v1': createHash('sha256').update(f.signature).digest('hex').slice(0, 32) },
    properties: {
      kind: f.kind,
      count: f.count,
      t_s: f.t_s,
      threads: f.threads.map((t) => t.tid),
      streams: f.streams,
      evidence: f.evidence.map((e) => ({ id: e.id, kind: e.kind, role: e.role, ts_ns: e.ts_ns })),
      fix: f.fix,
    },
  };
  if (rest.length > 0) r.relatedLocations = rest.map((p, i) => related(p, i + 1));
  return r;
}

function ruleDescriptor(d: Detector, homepage: string | null | undefined): Record<string, unknown> {
  let readme = '';
  try {
    readme = readFileSync(path.join(d.dir, 'README.md'), 'utf8').trim();
  } catch {
    // a detector without README still gets its doc and fixes as help
  }
  const fixes = Object.entries(d.cases)
    .map(([k, c]) => `- ${k}: ${c.fix}`)
    .join('\n');
  const rule: Record<string, unknown> = {
    id: d.id,
    name: d.title
      .replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))
      .replace(/^./, (c) => c.toUpperCase()),
    shortDescription: { text: d.title },
    fullDescription: { text: d.doc },
    help: { text: `${d.doc}\n\nFixes:\n${fixes}`, markdown: readme || `${d.doc}\n\n**Fixes**\n\n${fixes}` },
    defaultConfiguration: { level: SARIF_LEVEL[d.severity] },
    properties: { tags: ['concurrency', 'gpu'], ...(d.audit ? { audit: d.audit } : {}) },
  };
  if (homepage) rule.helpUri = `${homepage.replace(/#.*$/, '').replace(/\/$/, '')}/blob/main/src/detectors/${d.id}/README.md`;
  return rule;
}

export function toSarif(report: FindingsReport, detectors: Detector[], opts: Partial<SarifOptions> = {}): Record<string, unknown> {
  const root = path.resolve(opts.sourceRoot ?? defaultSourceRoot());
  const rules = detectors.filter((d) => !CONTEXT_RULES.has(d.id));
  const index = new Map(rules.map((d, i) => [d.id, i]));
  const traceRel = repoRelative(path.resolve(report.trace.path), root);
  const traceUri = encodeRel(traceRel ?? path.basename(report.trace.path));
  const results = report.findings.filter((f) => index.has(f.rule)).map((f) => result(f, index.get(f.rule)!, root, traceUri));
  const driver: Record<string, unknown> = {
    name: 'mpstrace',
    version: report.tool.version,
    rules: rules.map((d) => ruleDescriptor(d, opts.homepage)),
  };
  if (opts.homepage) driver.informationUri = opts.homepage;
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(root + path.sep).href } },
        artifacts: [{ location: { uri: traceUri, uriBaseId: '%SRCROOT%' }, description: { text: 'mpstrace trace file' } }],
        results,
        // a detector that failed (e.g. DuckDB out of memory): the run is incomplete, and says which and what to do
        ...(report.incomplete
          ? {
              invocations: [
                {
                  executionSuccessful: false,
                  toolExecutionNotifications: report.incomplete.failed.map((f) => ({
                    level: 'error',
                    message: { text: `detector '${f.rule}' failed: ${f.message}` },
                    associatedRule: { id: f.rule },
                  })),
                },
              ],
            }
          : {}),
        properties: {
          trace: report.trace.meta,
          summary: report.summary,
          context: report.findings.filter((f) => CONTEXT_RULES.has(f.rule)).map((f) => f.message),
          ...(report.incomplete ? { incomplete: report.incomplete.message } : {}),
        },
      },
    ],
  };
}

/** package.json `homepage` (or repository URL) of mpstrace, when it names one. */
export function packageHomepage(packageRoot: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
      homepage?: string;
      repository?: string | { url?: string };
    };
    const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
    const url = pkg.homepage ?? repo?.replace(/^git\+/, '').replace(/\.git$/, '');
    return url && /^https?:\/\//.test(url) ? url : null;
  } catch {
    return null;
  }
}
