import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('docs/errors.md', () => {
  it('lists every error code the sources define', () => {
    const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
    const codes = new Set<string>();
    for (const ws of ['protocol', 'trainer', 'fleet', 'gateway', 'device']) {
      for (const file of sourceFiles(join(root, ws, 'src'))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/OUTPOST_ERR_[A-Z0-9_]+/g)) codes.add(m[0]);
      }
    }
    expect(codes.size).toBeGreaterThan(10);
    const missing = [...codes].filter((c) => !doc.includes(`\`${c}\``)).sort();
    expect(missing).toEqual([]);
  });
});
