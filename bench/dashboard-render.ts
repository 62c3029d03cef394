/**
 * The dashboard's first render with 1,000 devices' data, in Chromium (target ≤ 1 s). A fleet.db is
 * seeded with `--devices` devices behind `--gateways` sites (reported states, as the inventory
 * shows them) and `--hours` of telemetry windows per device, one every `--every` minutes (default
 * 24 h at one window per 10 minutes: 144 windows a device, 144,000 in all), of the occupancy model
 * v1 with CO2 drifting in the last quarter and one device's temperature stuck. The real fleet API
 * serves it; Debian's chromium (playwright-core) opens each page in a fresh context (cold cache)
 * with the token in its session, and the time from navigation start to the dashboard's first
 * render (the `outpost-first-render` mark, set with `data-ready`) is taken over `--runs` runs for
 * the overview and for the drift page. The anchor, in the same run: the first render of the login
 * page, the same HTML, scripts, styles and uPlot with no API data. Also printed: one API round trip
 * (GET /api/v1/health) from Node, for scale.
 *
 *   npx tsx bench/dashboard-render.ts [--devices 1000] [--gateways 20] [--hours 24] [--every 10] [--runs 7]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { ReportedState } from '@outpost/protocol';
import { startFleet } from '@outpost/fleet';
import { FIRMWARE_MODELS, RELEASE_PUBLIC_KEY } from '../stack/model.ts';
import { syntheticWindows } from '../stack/monitoring-windows.ts';
import { median, percentile } from './lib/table.ts';
import { numberArg } from './lib/args.ts';

const DEVICES = numberArg('--devices', 1000);
const GATEWAYS = numberArg('--gateways', 20);
const HOURS = numberArg('--hours', 24);
const EVERY_MIN = numberArg('--every', 10);
const RUNS = numberArg('--runs', 7);
const CHROMIUM = '/usr/bin/chromium';
const HOUR = 3_600_000;

if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium`);
const dir = mkdtempSync(join(tmpdir(), 'outpost-dash-bench-'));
const fleet = await startFleet({
  dataDir: join(dir, 'fleet'),
  port: 0,
  apiPort: 0,
  publicKeyPem: readFileSync(RELEASE_PUBLIC_KEY, 'utf8'),
  alertEveryMs: 0,
});
let browser: Browser | undefined;
try {
  const v1 = await fleet.registerArtifact(join(FIRMWARE_MODELS, 'occupancy', '1'));
  const manifest = fleet.store.findArtifact('occupancy', 1)?.manifest;
  if (!manifest) throw new Error('occupancy v1 is not registered');
  const devices = Array.from({ length: DEVICES }, (_v, i) => `dev-${String(i).padStart(4, '0')}`);
  const gatewayOf = (d: string): string => `site-${Number(d.slice(4)) % GATEWAYS}`;
  const now = new Date().toISOString();
  const running = [{ name: 'occupancy', version: 1, artifactId: v1.artifactId, state: 'active' as const }];
  const report = (s: Partial<ReportedState> & Pick<ReportedState, 'source' | 'kind'>): void =>
    fleet.store.putReported({ revision: 1, at: now, status: 'converged', models: running, ...s }, now);
  for (let g = 0; g < GATEWAYS; g++)
    report({
      source: `site-${g}`,
      kind: 'gateway',
      deviceCount: devices.filter((d) => gatewayOf(d) === `site-${g}`).length,
    });
  for (const d of devices) report({ source: d, kind: 'device', gateway: gatewayOf(d) });

  const from = Math.floor(Date.now() / HOUR) * HOUR - HOURS * HOUR;
  const t0 = performance.now();
  const windows = syntheticWindows({
    manifest,
    artifactId: v1.artifactId,
    devices,
    gatewayOf,
    from,
    windows: Math.round((HOURS * 60) / EVERY_MIN),
    everyMs: EVERY_MIN * 60_000,
    rows: 60,
    drift: { feature: 'CO2', fromMs: from + HOURS * HOUR * 0.75 },
    stuck: { device: devices[0] as string, feature: 'Temperature', fromMs: from + HOURS * HOUR * 0.9 },
  });
  for (const w of windows) fleet.store.insertTelemetry(w, w.windowEnd);
  const seedS = (performance.now() - t0) / 1000;
  const token = fleet.tokens.create({ name: 'bench', role: 'viewer', at: now }).token;
  const url = fleet.apiUrl as string;

  browser = await chromium.launch({ executablePath: CHROMIUM });
  /** Navigation start → first render (ms), in a fresh context; with the token unless `login`. */
  const firstRender = async (hash: string, login: boolean): Promise<number> => {
    const context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 900 } });
    if (!login) await context.addInitScript(`sessionStorage.setItem('outpost.token', ${JSON.stringify(token)})`);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/${hash}`);
    await page.waitForSelector(login ? 'body[data-ready="login"]' : 'body[data-ready]:not([data-ready="login"])', {
      timeout: 120_000,
    });
    const ms = (await page.evaluate(
      `performance.getEntriesByName('outpost-first-render')[0]?.startTime ?? -1`,
    )) as number;
    const failed = await page.locator('#page .error').count();
    await context.close();
    if (errors.length > 0 || failed > 0 || ms < 0) throw new Error(`${hash} did not render: ${errors.join('; ')}`);
    return ms / 1000;
  };
  const timeRuns = async (fn: () => Promise<number>): Promise<number[]> => {
    await fn(); // warm-up: the fleet's first queries, Chromium's first start of a renderer
    const out: number[] = [];
    for (let r = 0; r < RUNS; r++) out.push(await fn());
    return out;
  };
  const anchor = await timeRuns(() => firstRender('', true));
  const overview = await timeRuns(() => firstRender('#/', false));
  const drift = await timeRuns(() => firstRender('#/drift', false));
  const health = await timeRuns(async () => {
    const t = performance.now();
    await (await fetch(`${url}/api/v1/health`)).json();
    return (performance.now() - t) / 1000;
  });

  const row = (name: string, t: number[]): string =>
    `${name.padEnd(40)} median ${(median(t) * 1000).toFixed(1).padStart(8)} ms   p95 ${(percentile(t, 95) * 1000)
      .toFixed(1)
      .padStart(8)} ms   ×anchor ${(median(t) / median(anchor)).toFixed(2).padStart(6)}`;
  console.log(
    `dashboard first render: ${DEVICES} devices, ${GATEWAYS} sites, ${windows.length} windows ` +
      `(${HOURS} h, one per ${EVERY_MIN} min per device; seeded in ${seedS.toFixed(1)} s), ${RUNS} runs; ` +
      `load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
  );
  console.log(row('anchor: login page (same assets, no data)', anchor));
  console.log(row('overview', overview));
  console.log(row('drift (heatmap, PSI lines, histograms)', drift));
  console.log(row('one API round trip (GET /api/v1/health)', health));
  for (const [name, t] of [
    ['overview', overview],
    ['drift', drift],
  ] as const)
    console.log(`target ≤ 1 s, ${name}: ${median(t) <= 1 ? 'met' : 'NOT met'} (median ${median(t).toFixed(3)} s)`);
} finally {
  await browser?.close();
  await fleet.close();
  rmSync(dir, { recursive: true, force: true });
}
