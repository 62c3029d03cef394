/**
 * The device as a Raspberry Pi installs it (docs/DEVICE.md "Install"): `protocol` and `device`
 * compiled and packed by `stack/pack.ts`, installed with npm into an empty folder (production
 * dependencies only, from the npm registry or its cache), run with plain `node` — no tsx, no
 * TypeScript, none of the checkout. In the system suite because it needs the npm registry.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPackages } from '../../stack/pack.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const BUILD = path.join(ROOT, 'firmware-models', 'occupancy', '2');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('the device installed from packed tarballs', () => {
  let root: string;
  let app: string;
  let device: ChildProcess | undefined;

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-install-'));
    const tarballs = packPackages(path.join(root, 'packages'));
    app = path.join(root, 'app');
    execFileSync('mkdir', ['-p', app]);
    // What docs/DEVICE.md tells a Pi's owner to write: onnxruntime-node's install script only fetches
    // GPU providers, which a Pi has no use for.
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({
        name: 'pi',
        private: true,
        type: 'module',
        allowScripts: { 'onnxruntime-node': false, protobufjs: true },
      }),
    );
    execFileSync('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], {
      cwd: app,
      stdio: 'pipe',
    });
  }, 600_000);

  afterAll(() => {
    device?.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('holds compiled JavaScript only, and no tsx or TypeScript', () => {
    const dist = path.join(app, 'node_modules', '@outpost', 'device', 'dist');
    const files = filesUnder(dist);
    expect(files.some((f) => f.endsWith(path.join('cli', 'main.js')))).toBe(true);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(existsSync(path.join(app, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', '@outpost', 'trainer'))).toBe(false);
  });

  it('runs a committed build in the engine auto picks and passes its golden records', () => {
    const script = `
      import { readFileSync } from 'node:fs';
      import { Manifest } from '@outpost/protocol';
      import { selectEngine, smokeTest } from '@outpost/device';
      const dir = process.argv[1];
      const manifest = Manifest.parse(JSON.parse(readFileSync(dir + '/manifest.json', 'utf8')));
      const { engine } = await selectEngine('auto');
      const session = await engine.load(readFileSync(dir + '/model.onnx'), manifest);
      await smokeTest(session, manifest);
      const { predictions } = await session.run(manifest.golden.map((g) => ({ ...g.inputs })));
      await session.release();
      console.log(JSON.stringify({ engine: engine.name, n: predictions.length }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, BUILD], {
      cwd: app,
      encoding: 'utf8',
    });
    const manifest = JSON.parse(readFileSync(path.join(BUILD, 'manifest.json'), 'utf8')) as { golden: unknown[] };
    expect(JSON.parse(out.trim())).toEqual({ engine: 'onnxruntime-node', n: manifest.golden.length });
  });

  it('starts `outpost-device device` with plain node and answers /health', async () => {
    const bin = path.join(app, 'node_modules', '@outpost', 'device', 'dist', 'cli', 'main.js');
    const dataDir = path.join(root, 'data');
    device = spawn(
      process.execPath,
      [
        bin,
        'device',
        '--id',
        'pi-1',
        '--data-dir',
        dataDir,
        // Nothing listens there: a device starts and serves without its gateway.
        '--broker',
        'mqtt://127.0.0.1:9',
        '--public-key',
        path.join(ROOT, 'firmware-models', 'signing.pub'),
        '--http-port',
        '0',
        '--log-level',
        'error',
      ],
      { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    device.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    const deadline = Date.now() + 60_000;
    while (!/serving on (http:\/\/\S+)/.test(out) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const url = /serving on (http:\/\/\S+)/.exec(out)?.[1];
    expect(url, out).toBeDefined();
    expect(out).toContain('engine onnxruntime-node');
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
    expect(health.status).toBe('no-model');
    device.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => device?.once('exit', (c) => r(c)));
    expect(code).toBe(0);
  });
});
