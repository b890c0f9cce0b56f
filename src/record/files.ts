/** The trace files one recording produced: the main one plus `<stem>.<pid>[.execN].mpst` of forked/exec'ed processes. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export function relatedTraces(out: string, sinceMs: number): string[] {
  const abs = path.resolve(out);
  const dir = path.dirname(abs);
  const stem = path.basename(abs).replace(/\.mpst$/, '');
  const re = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+(\\.exec\\d+)?\\.mpst$`);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n))
    .map((n) => path.join(dir, n))
    .filter((p) => {
      try {
        return statSync(p).mtimeMs >= sinceMs - 1000;
      } catch {
        return false;
      }
    })
    .sort();
}
