import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../src/version.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('project hygiene', () => {
  it('src/version.ts matches package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });

  it('mpstrace --version names the version and says where each recorder has (not) run', () => {
    const r = spawnSync(process.execPath, ['bin/mpstrace.js', '--version'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`mpstrace ${VERSION}`);
    expect(r.stdout).toMatch(/metal recorder .*never run on Apple hardware/);
    expect(r.stdout).toMatch(/cuda recorder .*(built|not built)/);
  });

  it('README.md is assembled from docs/readme (run `node scripts/readme.mjs`)', () => {
    const r = spawnSync(process.execPath, ['scripts/readme.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('README opens with the two quick-start commands and .ci/run runs the same test command', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const firstBlock = readme.slice(readme.indexOf('```'), readme.indexOf('```', readme.indexOf('```') + 3));
    expect(firstBlock).toContain('npm install && npm start');
    expect(firstBlock).toContain('npm test');
    const ci = readFileSync(path.join(root, '.ci/run'), 'utf8');
    expect(ci.split('\n').filter((l) => /^npm (test|run test)\b/.test(l.trim()))).toEqual(['npm test']);
  });
});
