/**
 * The layout is the architecture (docs/ARCHITECTURE.md "Tiers and packages", "Composition and
 * tests"):
 * - each workspace's sources import only node builtins, their own files and the packages their
 *   package.json declares; the device needs no trainer, fleet or gateway;
 * - a workspace's tests (`<ws>/test/`) may import their own workspace's sources and test helpers
 *   (unit tests see internals), and other workspaces only through their package entries
 *   (`@outpost/<ws>` or a subpath its package.json `exports` lists);
 * - everything else — the cross-tier tests in `test/`, the benchmarks in `bench/`, `stack/` and
 *   `bin/` — uses the tiers the way a user does: package entries only, relative imports within
 *   its own folder (and `stack/`; the cross-tier tests also reach the `bin/` scripts they test).
 */
import { builtinModules } from 'node:module';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const workspaces = ['protocol', 'trainer', 'fleet', 'gateway', 'device'] as const;
/** Folders outside the workspaces that use the tiers as a user does, and what each may import relatively. */
const users: Record<string, string[]> = {
  test: ['test', 'stack', 'bin'],
  bench: ['bench', 'stack'],
  stack: ['stack'],
  bin: ['bin', 'stack'],
};

/**
 * Files that still break the rules above, each with at least one problem. The list may only
 * shrink: a listed file that has become clean fails the test until its line is removed, and a file
 * not listed fails on its first problem.
 */
const KNOWN_VIOLATIONS = new Set<string>([]);

/** Problems of files outside KNOWN_VIOLATIONS, plus a line for each known file found clean. */
function beyondKnown(dir: string, found: string[]): string[] {
  const byFile = new Set(found.map((p) => p.split(' ')[0] as string));
  const known = [...KNOWN_VIOLATIONS].filter((f) => f.startsWith(`${dir}/`));
  return [
    ...found.filter((p) => !KNOWN_VIOLATIONS.has(p.split(' ')[0] as string)),
    ...known.filter((f) => !byFile.has(f)).map((f) => `${f} is clean now: remove it from KNOWN_VIOLATIONS`),
  ];
}

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  exports?: Record<string, string>;
}

const readPackage = (dir: string): PackageJson =>
  JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as PackageJson;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|mjs|js)$/.test(p)) out.push(p);
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
const inside = (target: string, dir: string): boolean => target === dir || target.startsWith(dir + sep);

/** `@outpost/<ws>[/sub]` is a package entry when `<ws>`'s package.json `exports` lists `./sub` (or `.`). */
function outpostEntryProblem(spec: string): string | null {
  const ws = spec.slice('@outpost/'.length).split('/')[0] as string;
  if (!(workspaces as readonly string[]).includes(ws)) return `unknown workspace ${spec}`;
  const sub = spec.slice(`@outpost/${ws}`.length);
  const entries = Object.keys(readPackage(ws).exports ?? {});
  return entries.includes(`.${sub}`) ? null : `imports ${spec}, which is not one of ${ws}'s package entries`;
}

/**
 * The import problems of every file under `dir` (relative to the root): relative imports must stay
 * inside one of `allowed`; `@outpost/*` must name a package entry (and not the file's own
 * workspace, when `own` is given); bare packages must be builtins or in `declared` (when given).
 */
function problems(dir: string, allowed: string[], declared: Set<string> | null, own?: string): string[] {
  const bad: string[] = [];
  for (const file of files(join(root, dir))) {
    const rel = relative(root, file);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!allowed.some((a) => inside(target, join(root, a)))) bad.push(`${rel} reaches outside: ${spec}`);
      } else if (spec.startsWith('@outpost/')) {
        const problem = outpostEntryProblem(spec);
        if (problem) bad.push(`${rel} ${problem}`);
        else if (own && packageName(spec) === `@outpost/${own}` && dir.endsWith('src'))
          bad.push(`${rel} imports its own package ${spec}`);
      } else if (declared && !builtins.has(spec) && !declared.has(packageName(spec))) {
        bad.push(`${rel} imports undeclared ${spec}`);
      }
    }
  }
  return bad;
}

const rootPackage = readPackage('.');

describe.each(workspaces)('workspace %s', (ws) => {
  const pkg = readPackage(ws);
  const runtime = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
    ...Object.keys(pkg.optionalDependencies ?? {}),
  ]);

  it('sources import only builtins, their own files and declared dependencies', () => {
    expect(problems(join(ws, 'src'), [join(ws, 'src')], runtime, ws)).toEqual([]);
  });

  it('tests import their own sources and helpers, other tiers by package entry, declared packages', () => {
    const declared = new Set([
      ...runtime,
      ...Object.keys(pkg.devDependencies ?? {}),
      ...Object.keys(rootPackage.dependencies ?? {}),
      ...Object.keys(rootPackage.devDependencies ?? {}),
    ]);
    expect(beyondKnown(join(ws, 'test'), problems(join(ws, 'test'), [ws], declared))).toEqual([]);
  });

  it('exposes src/index.ts as its public entry', () => {
    expect(pkg.exports?.['.']).toBe('./src/index.ts');
  });
});

describe.each(Object.keys(users))('%s/', (dir) => {
  it('uses the tiers through their package entries only', () => {
    expect(beyondKnown(dir, problems(dir, users[dir] as string[], null))).toEqual([]);
  });
});

describe('the boundary check itself', () => {
  it('flags a relative import into another workspace, a deep @outpost import and an undeclared package', () => {
    const probe = (spec: string): string | null =>
      spec.startsWith('@outpost/')
        ? outpostEntryProblem(spec)
        : inside(resolve(root, 'bench', spec), join(root, 'bench'))
          ? null
          : 'outside';
    expect(probe('../trainer/src/stats.ts')).toBe('outside');
    expect(probe('./lib/timing.ts')).toBeNull();
    expect(probe('@outpost/trainer/src/stats.ts')).toMatch(/not one of trainer's package entries/);
    expect(probe('@outpost/protocol/node')).toBeNull();
    expect(probe('@outpost/nobody')).toMatch(/unknown workspace/);
  });
});

describe('the device', () => {
  it('depends on no other tier than protocol', () => {
    const tiers = Object.keys(readPackage('device').dependencies ?? {}).filter((d) => d.startsWith('@outpost/'));
    expect(tiers).toEqual(['@outpost/protocol']);
  });
});
