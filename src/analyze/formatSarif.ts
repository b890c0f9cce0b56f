/**
 * SARIF 2.1.0 output (`--format sarif`) for code-scanning in CI. Each rule is a
 * reportingDescriptor; each grouped finding a result whose locations are its
 * symbolized call sites: a logicalLocation (module!symbol) always, plus a
 * physicalLocation on the module file when the module is known.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Detector } from '../detectors/registry.js';
import { siteName, type CallSite, type Finding, type Severity } from './finding.js';
import type { FindingsReport } from './report.js';

export const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

const INFO_URI = 'https://github.com/mpstrace/mpstrace#detectors';

function moduleUri(module: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(module)) return module;
  return module.startsWith('/') ? pathToFileURL(module).href : module.replace(/\\/g, '/');
}

function location(s: CallSite): Record<string, unknown> {
  const name = siteName(s);
  const loc: Record<string, unknown> = {
    logicalLocations: [{ name, fullyQualifiedName: s.module ? `${s.module}!${name}` : name, kind: 'function' }],
  };
  if (s.module) loc.physicalLocation = { artifactLocation: { uri: moduleUri(s.module) } };
  return loc;
}

function result(f: Finding, ruleIndex: number): Record<string, unknown> {
  const r: Record<string, unknown> = {
    ruleId: f.rule,
    ruleIndex,
    level: SARIF_LEVEL[f.severity],
    message: { text: f.count > 1 ? `${f.message} (${f.count} occurrences)` : f.message },
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
  if (f.sites.length > 0) r.locations = f.sites.map(location);
  return r;
}

export function toSarif(report: FindingsReport, detectors: Detector[]): Record<string, unknown> {
  const index = new Map(detectors.map((d, i) => [d.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'mpstrace',
          version: report.tool.version,
          informationUri: INFO_URI,
          rules: detectors.map((d) => ({
            id: d.id,
            name: d.title,
            shortDescription: { text: d.title },
            fullDescription: { text: d.doc },
            help: { text: `${d.doc}\n\nFixes:\n${Object.entries(d.cases).map(([k, c]) => `- ${k}: ${c.fix}`).join('\n')}` },
            defaultConfiguration: { level: SARIF_LEVEL[d.severity] },
          })),
        },
      },
      artifacts: [{ location: { uri: moduleUri(report.trace.path) }, description: { text: 'mpstrace trace file' } }],
      results: report.findings.filter((f) => index.has(f.rule)).map((f) => result(f, index.get(f.rule)!)),
      properties: { trace: report.trace.meta, summary: report.summary },
    }],
  };
}
