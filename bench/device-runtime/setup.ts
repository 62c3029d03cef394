/**
 * The device-runtime bench's folder: `protocol` and `device` packed (stack/pack.ts) and installed with
 * production dependencies only into an empty folder, the probe scripts beside them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packPackages } from '../../stack/pack.ts';
import { BARE_SESSION, HELLO, HELLO_SESSION, IN_PROCESS, SWAPS } from './probes.ts';

export interface RuntimeFolder {
  /** Where the packages are installed; every process runs here. */
  app: string;
  /** The installed `outpost-device` program (compiled JavaScript). */
  main: string;
  /** The probe scripts, by name. */
  scripts: { bare: string; inproc: string; swaps: string; hello: string; helloSession: string };
}

export function installRuntime(root: string): RuntimeFolder {
  const tarballs = packPackages(join(root, 'packages'));
  const app = join(root, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'bench', private: true, type: 'module', allowScripts: { 'onnxruntime-node': false } }),
  );
  execFileSync('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], {
    cwd: app,
    stdio: 'ignore',
  });
  const texts = { bare: BARE_SESSION, inproc: IN_PROCESS, swaps: SWAPS, hello: HELLO, helloSession: HELLO_SESSION };
  const scripts = {} as RuntimeFolder['scripts'];
  for (const [name, text] of Object.entries(texts)) {
    const file = join(app, `${name}.mjs`);
    writeFileSync(file, text);
    scripts[name as keyof typeof texts] = file;
  }
  return { app, main: join(app, 'node_modules', '@outpost', 'device', 'dist', 'cli', 'main.js'), scripts };
}

/**
 * Request bodies: the build's golden rows that /predict accepts (edge-case goldens with a null input
 * the model never saw missing are a 400 by design).
 */
export function bodiesOf(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    golden: { inputs: Record<string, unknown> }[];
  };
  return manifest.golden
    .filter((g) =>
      Object.values(g.inputs).every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))),
    )
    .map((g) => JSON.stringify({ inputs: g.inputs }));
}

/** A fresh data directory holding `modelDir` as its verified active model (`outpost-device provision`). */
export function provision(
  folder: RuntimeFolder,
  o: { dataDir: string; modelDir: string; key: string; engine: string },
): void {
  rmSync(o.dataDir, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      folder.main,
      'provision',
      '--artifact',
      o.modelDir,
      '--data-dir',
      o.dataDir,
      '--public-key',
      o.key,
      '--engine',
      o.engine,
    ],
    { cwd: folder.app, stdio: 'ignore' },
  );
}
