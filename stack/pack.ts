/**
 * `npm run pack` (bin/pack.ts) — compiles `protocol` and `device` to JavaScript and packs each as an npm tarball
 * a device installs without the rest of the checkout and without tsx (docs/DEVICE.md "Install").
 *
 *   tsx bin/pack.ts [--out <dir>]      (default: dist-packages/)
 *
 * Each package is staged in `<out>/stage/<name>`: `tsc` emits `dist/` from `src/` with relative
 * `.ts` imports rewritten to `.js`, the package.json's exports and bin point at `dist/`, and its
 * development-only fields are dropped; then `npm pack` writes `<out>/outpost-<name>-<version>.tgz`.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(import.meta.dirname, '..');
const PACKAGES = ['protocol', 'device'] as const;

interface PackageJson {
  name: string;
  version: string;
  exports: Record<string, string>;
  bin?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  [key: string]: unknown;
}

/** './src/a/b.ts' → './dist/a/b.js' */
const compiled = (p: string): string => p.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '.js');

export function packPackages(outDir: string): string[] {
  const stageRoot = path.join(outDir, 'stage');
  rmSync(stageRoot, { recursive: true, force: true });
  mkdirSync(stageRoot, { recursive: true });
  const tarballs: string[] = [];
  for (const name of PACKAGES) {
    const src = path.join(ROOT, name);
    const stage = path.join(stageRoot, name);
    mkdirSync(stage, { recursive: true });
    const tsconfig = path.join(stage, 'tsconfig.build.json');
    writeFileSync(
      tsconfig,
      JSON.stringify(
        {
          extends: path.join(ROOT, 'tsconfig.json'),
          compilerOptions: {
            noEmit: false,
            allowImportingTsExtensions: true,
            rewriteRelativeImportExtensions: true,
            rootDir: path.join(src, 'src'),
            outDir: path.join(stage, 'dist'),
            declaration: true,
            sourceMap: false,
            typeRoots: [path.join(ROOT, 'node_modules', '@types')],
          },
          include: [path.join(src, 'src')],
          exclude: [],
        },
        null,
        2,
      ),
    );
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig], {
      stdio: 'inherit',
    });
    rmSync(tsconfig);
    const pkg = JSON.parse(readFileSync(path.join(src, 'package.json'), 'utf8')) as PackageJson;
    pkg.exports = Object.fromEntries(Object.entries(pkg.exports).map(([k, v]) => [k, compiled(v)]));
    if (name === 'device') pkg.bin = { 'outpost-device': './dist/cli/main.js' };
    delete pkg.devDependencies;
    delete pkg.scripts;
    pkg.files = ['dist'];
    writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    cpSync(path.join(ROOT, 'README.md'), path.join(stage, 'README.md'));
    const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', outDir], {
      cwd: stage,
      encoding: 'utf8',
    });
    tarballs.push(path.join(outDir, out.trim().split('\n').pop() as string));
  }
  return tarballs;
}
