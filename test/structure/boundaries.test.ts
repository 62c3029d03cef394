/**
 * The layout is the architecture (docs/ARCHITECTURE.md "Tiers and packages"): each workspace's
 * sources import only node builtins, their own files and the packages their package.json declares;
 * nothing reaches into another workspace's folder; the device needs no trainer, fleet or gateway.
 */
import { builtinModules } from 'node:module';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const workspaces = ['protocol', 'trainer', 'fleet', 'gateway', 'device'] as const;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|mjs)$/.test(p)) out.push(p);
  }
  return out;
}

function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(
    /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm,
  )) {
    found.push((m[1] ?? m[2] ?? m[3]) as string);
  }
  return found;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

describe.each(workspaces)('workspace %s', (ws) => {
  const pkg = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  const declared = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
    ...Object.keys(pkg.optionalDependencies ?? {}),
  ]);
  const sources = files(join(root, ws, 'src'));

  it('imports only builtins, its own files and declared dependencies', () => {
    const bad: string[] = [];
    for (const file of sources) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          if (!target.startsWith(join(root, ws, 'src')))
            bad.push(`${relative(root, file)} reaches outside its workspace: ${spec}`);
        } else if (!builtins.has(spec) && !declared.has(packageName(spec))) {
          bad.push(`${relative(root, file)} imports undeclared ${spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('exposes src/index.ts as its public entry', () => {
    const exportsField = (
      JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8')) as { exports: Record<string, string> }
    ).exports;
    expect(exportsField['.']).toBe('./src/index.ts');
  });
});

describe('the device', () => {
  it('depends on no other tier than protocol', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'device', 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const tiers = Object.keys(pkg.dependencies).filter((d) => d.startsWith('@outpost/'));
    expect(tiers).toEqual(['@outpost/protocol']);
  });
});
