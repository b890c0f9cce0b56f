/**
 * `mpstrace analyze --format sarif` as GitHub code scanning ingests it: valid
 * against the SARIF 2.1.0 JSON schema (OASIS schema file committed under
 * test/fixtures/sarif, checked with ajv), and the ingestion rules of GitHub's
 * documentation ("SARIF support for code scanning") that the SARIF multitool
 * checks as its GH rules: every result has a location, the location has a
 * repository-relative URI and a region with startLine, message text is fully
 * formatted, limits on locations and tags. Run on a real trace recorded on an
 * H200 (traces/cuda/pool/stream_pool_buggy.mpst).
 *
 * The SARIF multitool's own GH and SARIF rules run too: the devDependency
 * @microsoft/sarif-multitool ships it as a self-contained binary per platform
 * (MPSTRACE_SARIF_MULTITOOL=<path> points elsewhere).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'mpst-sarif-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const REAL = 'traces/cuda/pool/stream_pool_buggy.mpst';

/** The multitool binary; npm 11 does not run its package's `chmod u+x` postinstall, so make it executable here. */
function multitool(): string {
  const bin: string = process.env.MPSTRACE_SARIF_MULTITOOL ?? createRequire(import.meta.url)('@microsoft/sarif-multitool');
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    chmodSync(bin, 0o755);
  }
  return bin;
}

function analyze(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mpstrace.js'), 'analyze', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const schema = JSON.parse(readFileSync(path.join(root, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8'));
const validate = new (Ajv2020 as unknown as typeof Ajv2020.default)({ allErrors: true, strict: false }).compile(schema);

type Json = Record<string, any>;

/** GitHub's ingestion rules (docs: "SARIF support for code scanning"), as problems found. */
function githubProblems(log: Json): string[] {
  const out: string[] = [];
  const uriOk = (u: unknown) => typeof u === 'string' && (!/^[a-z][a-z0-9+.-]*:/i.test(u) || u.startsWith('file:'));
  for (const [ri, run] of (log.runs as Json[]).entries()) {
    const rules = run.tool.driver.rules as Json[];
    if (!run.tool.driver.name) out.push(`run ${ri}: tool.driver.name missing`);
    for (const rule of rules) {
      if (!rule.id) out.push('rule without id');
      if (!(rule.help?.text || rule.help?.markdown)) out.push(`rule ${rule.id}: no help`);
      if ((rule.properties?.tags ?? []).length > 20) out.push(`rule ${rule.id}: more than 20 tags`);
    }
    if (run.results.length > 25000) out.push('more than 25,000 results in a run');
    for (const [i, res] of (run.results as Json[]).entries()) {
      const at = `runs[${ri}].results[${i}]`;
      if (!res.ruleId) out.push(`${at}: no ruleId`);
      if (typeof res.message?.text !== 'string' || !res.message.text) out.push(`${at}: message.text missing (GH: fully formatted message)`);
      if (!Array.isArray(res.locations) || res.locations.length === 0) {
        out.push(`${at}: no locations (GH1015/GH1017/GH2012)`);
        continue;
      }
      if (res.locations.length > 10) out.push(`${at}: more than 10 locations`);
      const pl = res.locations[0].physicalLocation;
      if (!pl?.artifactLocation?.uri) out.push(`${at}: locations[0] has no physicalLocation.artifactLocation.uri`);
      else if (/^[a-z][a-z0-9+.-]*:/i.test(pl.artifactLocation.uri) || pl.artifactLocation.uri.startsWith('/'))
        out.push(`${at}: locations[0] URI is not repository-relative: ${pl.artifactLocation.uri}`);
      if (!(Number.isInteger(pl?.region?.startLine) && pl.region.startLine >= 1)) out.push(`${at}: locations[0] has no region.startLine`);
      for (const rl of res.relatedLocations ?? []) {
        if (rl.physicalLocation && !uriOk(rl.physicalLocation.artifactLocation?.uri))
          out.push(`${at}: related location URI ${rl.physicalLocation.artifactLocation?.uri}`);
      }
      if ((res.relatedLocations ?? []).length > 1000) out.push(`${at}: more than 1,000 related locations`);
    }
  }
  return out;
}

describe('SARIF of a real buggy trace', () => {
  const r = analyze(root, REAL, '--format', 'sarif');
  const log = JSON.parse(r.out) as Json;
  const json = JSON.parse(analyze(root, REAL, '--json').out) as Json;
  const run = log.runs[0];

  it('is valid against the SARIF 2.1.0 schema', () => {
    expect(r.code).toBe(0);
    const ok = validate(log);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
    expect(ok).toBe(true);
  });

  it("meets GitHub code scanning's ingestion rules", () => {
    expect(githubProblems(log)).toEqual([]);
  });

  it('the checker catches what GitHub rejects (a result without a location, an absolute URI, no region)', () => {
    const bad = structuredClone(log);
    delete bad.runs[0].results[0].locations;
    bad.runs[0].results[1].locations[0].physicalLocation.artifactLocation.uri = 'file:///work/x.py';
    delete bad.runs[0].results[2].locations[0].physicalLocation.region;
    const p = githubProblems(bad);
    expect(p.some((x) => x.startsWith('runs[0].results[0]: no locations'))).toBe(true);
    expect(p.some((x) => x.startsWith('runs[0].results[1]: locations[0] URI is not repository-relative'))).toBe(true);
    expect(p.some((x) => x.startsWith('runs[0].results[2]: locations[0] has no region.startLine'))).toBe(true);
  });

  it("anchors each result at the user's Python file and line, library frames as related locations", () => {
    const problems = json.findings.filter((f: Json) => f.severity !== 'info');
    expect(run.results).toHaveLength(problems.length);
    run.results.forEach((res: Json, i: number) => {
      const f = problems[i];
      expect(res.ruleId).toBe(f.rule);
      expect(run.tool.driver.rules[res.ruleIndex].id).toBe(f.rule);
      expect(res.message.text.startsWith(f.message)).toBe(true);
      const loc = res.locations[0].physicalLocation;
      const py = f.sites.find((s: Json) => /:\d+$/.test(s.symbol ?? '') && s.module.endsWith('.py'));
      if (py) {
        // recorded as /work/main/traces/programs/pool_runtime.py on the GPU machine: mapped into this checkout
        expect(loc.artifactLocation.uri).toBe('traces/programs/pool_runtime.py');
        expect(loc.region.startLine).toBe(Number(/:(\d+)$/.exec(py.symbol)![1]));
      } else {
        expect(loc.artifactLocation.uri).toBe(REAL);
        expect(res.message.text).toContain('No call site of this finding is in the repository');
      }
      const libs = f.sites.filter((s: Json) => /\.so(\.\d+)*$/.test(s.module ?? ''));
      const related = (res.relatedLocations ?? []) as Json[];
      for (const lib of libs) {
        expect(
          related.some(
            (x) =>
              x.message.text.startsWith('library frame') && x.logicalLocations[0].fullyQualifiedName.includes(path.basename(lib.module)),
          ),
        ).toBe(true);
      }
      expect(related.filter((x) => x.physicalLocation?.region)).toHaveLength(
        f.sites.filter((s: Json) => /:\d+$/.test(s.symbol ?? '') && s.module.endsWith('.py')).length - (py ? 1 : 0),
      );
    });
    // the device-sync finding points at synchronize_device:198 in pool_runtime.py
    const sync = run.results.find((x: Json) => x.ruleId === 'incomplete-device-sync');
    expect(sync.locations[0].physicalLocation.region.startLine).toBe(198);
    expect(readFileSync(path.join(root, 'traces/programs/pool_runtime.py'), 'utf8').split('\n')[197]).toMatch(/device_sync/);
  });

  it('leaves the context notes out of the results (they describe the run, not a place) and keeps them in run properties', () => {
    expect(run.results.some((x: Json) => x.ruleId === 'context')).toBe(false);
    expect(run.tool.driver.rules.some((x: Json) => x.id === 'context')).toBe(false);
    expect(run.properties.context).toHaveLength(json.findings.filter((f: Json) => f.rule === 'context').length);
  });

  it('gives each rule its README as help', () => {
    for (const rule of run.tool.driver.rules) {
      expect(rule.help.markdown).toBe(readFileSync(path.join(root, 'src/detectors', rule.id, 'README.md'), 'utf8').trim());
      expect(rule.fullDescription.text.length).toBeGreaterThan(20);
    }
  });

  it("passes the SARIF multitool's GH and SARIF rules", () => {
    const file = path.join(dir, 'real.sarif');
    writeFileSync(file, r.out);
    const v = spawnSync(multitool(), ['validate', file, '--rule-kind', 'Gh;Sarif', '-o', path.join(dir, 'v.sarif')], {
      encoding: 'utf8',
      env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' },
    });
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/Analysis completed successfully/); // it ran and read the file
    expect(v.stdout).not.toMatch(/\berror (GH|SARIF)\d+/);
  });
});

describe('SARIF --source-root and output', () => {
  it('makes URIs relative to --source-root, from any working directory, and writes to -o (creating directories) or stdout', () => {
    // A copy of the program and trace in another "repository": URIs are relative to it.
    const repo = path.join(dir, 'repo');
    mkdirSync(path.join(repo, 'programs'), { recursive: true });
    cpSync(path.join(root, 'traces/programs/pool_runtime.py'), path.join(repo, 'programs/pool_runtime.py'));
    cpSync(path.join(root, REAL), path.join(repo, 'run.mpst'));
    const out = path.join(dir, 'new/dir/out.sarif');
    const r = analyze(dir, path.join(repo, 'run.mpst'), '--format', 'sarif', '--source-root', repo, '-o', out);
    expect(r.code, r.err).toBe(0);
    const log = JSON.parse(readFileSync(out, 'utf8'));
    const uris = new Set(log.runs[0].results.map((x: Json) => x.locations[0].physicalLocation.artifactLocation.uri));
    // the recorded path's last part that names a file in the repository (programs/pool_runtime.py)
    expect(uris).toEqual(new Set(['programs/pool_runtime.py', 'run.mpst']));
    expect(githubProblems(log)).toEqual([]);
    const dash = analyze(dir, path.join(repo, 'run.mpst'), '--format', 'sarif', '--source-root', repo, '-o', '-');
    expect(JSON.parse(dash.out)).toEqual(log);
  });
});
