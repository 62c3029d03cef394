/**
 * The monitoring pages of the dashboard in a real browser (Debian's chromium through playwright-core)
 * against a real fleet, gateway and two devices: six hours of telemetry windows of four sensors in
 * fleet.db (CO2 drifting for the last three, one device's temperature stuck for the last two), labels
 * joined to predictions, alerts from the real rule evaluation, and a real campaign that updated the
 * two devices. Each page loads without a console error, its canvases are drawn, the numbers shown
 * equal the operator API's, and acknowledging an alert in the page changes its state. Screenshots
 * go to a temporary folder, or to docs/screenshots/ with OUTPOST_SCREENSHOTS=docs.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureEnrolled } from '@outpost/protocol/node';
import { startFleet, type Fleet } from '@outpost/fleet';
import { startGateway, type Gateway } from '@outpost/gateway';
import { startDevice, type Device } from '@outpost/device';
import { FIRMWARE_MODELS, RELEASE_PUBLIC_KEY } from '../../stack/model.ts';
import { syntheticWindows } from '../../stack/monitoring-windows.ts';

const CHROMIUM = '/usr/bin/chromium';
const HOUR = 3_600_000;
const SENSORS = ['sensor-1', 'sensor-2', 'sensor-3', 'sensor-4'];
let SHOTS: string;
let root: string;
let fleet: Fleet;
let gateway: Gateway;
const devices: Device[] = [];
let browser: Browser;
let token: string;

async function apiGet<T>(path: string): Promise<T> {
  const res = await fetch(`${fleet.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

const text = (page: Page, selector: string): Promise<string> => page.locator(selector).first().innerText();

/**
 * Coloured pixels of a chart's canvas: drawn, and of a hue (lines, bars, heatmap cells, the band),
 * not the white, grey or black of a background, a grid, an axis or a label.
 */
const coloured = (page: Page, chart: string): Promise<number> =>
  page.evaluate(`(() => {
    const canvas = document.querySelector('[data-chart="${chart}"] canvas');
    if (!canvas) return -1;
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      const spread = Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]);
      if (d[i + 3] > 0 && spread > 40) n++;
    }
    return n;
  })()`);

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check());) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium`);
  root = mkdtempSync(join(tmpdir(), 'outpost-mondash-'));
  SHOTS =
    process.env.OUTPOST_SCREENSHOTS === 'docs'
      ? join(import.meta.dirname, '..', '..', 'docs', 'screenshots')
      : join(root, 'screenshots');
  const publicKeyPem = readFileSync(RELEASE_PUBLIC_KEY, 'utf8');
  fleet = await startFleet({
    dataDir: join(root, 'fleet'),
    port: 0,
    enrollPort: 0,
    apiPort: 0,
    publicKeyPem,
    alertEveryMs: 0,
    campaigns: { pollMs: 200 },
    monitor: {
      rules: [
        { metric: 'quality', scope: 'device', forMs: 0, severity: 'warning' },
        { metric: 'drift.psi', scope: 'model', forMs: 0, severity: 'warning' },
        { metric: 'performance', scope: 'model', forMs: 0, severity: 'warning' },
      ],
    },
  });
  const v1 = await fleet.registerArtifact(join(FIRMWARE_MODELS, 'occupancy', '1'));
  await fleet.registerArtifact(join(FIRMWARE_MODELS, 'occupancy', '2'));
  await ensureEnrolled({
    id: 'site-1',
    dataDir: join(root, 'gateway'),
    enrollUrl: fleet.enrollUrl as string,
    createToken: (id) => fleet.createEnrollToken(id),
  });
  gateway = await startGateway({
    id: 'site-1',
    enrollPort: 0,
    dataDir: join(root, 'gateway'),
    upstreamUrl: fleet.brokerUrl,
    localPort: 0,
    publicKeyPem,
    fleetKeyPem: fleet.intentPublicKeyPem,
    reconnectPeriodMs: 200,
    heartbeatMs: 300,
  });
  for (const id of ['device-1', 'device-2']) {
    await ensureEnrolled({
      id,
      dataDir: join(root, id),
      enrollUrl: gateway.enrollUrl as string,
      createToken: (d) => gateway.createEnrollToken(d),
    });
    devices.push(
      await startDevice({
        id,
        dataDir: join(root, id),
        brokerUrl: gateway.localUrl,
        publicKeyPem,
        fleetKeyPem: fleet.intentPublicKeyPem,
        gatewayId: 'site-1',
        heartbeatMs: 300,
      }),
    );
  }
  await until(() => fleet.store.listReported().filter((r) => r.kind === 'device').length === 2, 'devices reported');
  await fleet.assign('site-1', 'occupancy', 1, undefined, { actor: 'setup', reason: 'monitoring test' });
  await until(() => devices.every((d) => d.active()?.version === 1), 'devices run v1');
  token = fleet.tokens.create({ name: 'mon-admin', role: 'admin', at: new Date().toISOString() }).token;

  // A campaign of v2 over the site in two waves, through the API; the devices install it.
  const created = await fetch(`${fleet.apiUrl}/api/v1/campaigns`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'occupancy',
      version: 2,
      target: { kind: 'site', gateway: 'site-1' },
      waves: '50%,100%',
      gates: { soakMs: 0 },
      reason: 'monitoring test',
    }),
  });
  expect(created.status).toBe(200);
  const campaign = ((await created.json()) as { id: string }).id;
  await until(
    () => ['done', 'failed', 'rolled-back'].includes(fleet.campaigns.status(campaign).state),
    'campaign ends',
  );

  // Six hours of v1 telemetry of four sensors, labels of sensor-1, then the alert rules.
  const from = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;
  const manifest = fleet.store.findArtifact('occupancy', 1)?.manifest as NonNullable<
    ReturnType<Fleet['store']['findArtifact']>
  >['manifest'];
  for (const w of syntheticWindows({
    manifest,
    artifactId: v1.artifactId,
    devices: SENSORS,
    gatewayOf: () => 'site-1',
    from,
    windows: 36,
    everyMs: 10 * 60_000,
    rows: 150,
    drift: { feature: 'CO2', fromMs: from + 3 * HOUR },
    stuck: { device: 'sensor-3', feature: 'Temperature', fromMs: from + 4 * HOUR },
  }))
    fleet.store.insertTelemetry(w, w.windowEnd);
  for (let i = 0; i < 60; i++)
    fleet.monitor.recordLabel({
      device: 'sensor-1',
      gateway: 'site-1',
      predictionId: `sensor-1-${i}`,
      label: i < 48 ? 1 : 0,
      at: new Date(from + 5 * HOUR).toISOString(),
      prediction: {
        value: 1,
        model: 'occupancy',
        version: 1,
        at: new Date(from + 3 * HOUR + i * 30_000).toISOString(),
      },
    });
  await fleet.monitor.evaluate();
  browser = await chromium.launch({ executablePath: CHROMIUM });
  mkdirSync(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  for (const d of devices) await d.close();
  await gateway?.close();
  await fleet?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the monitoring pages in chromium', () => {
  let page: Page;
  const errors: string[] = [];
  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${fleet.apiUrl}/`);
    await page.fill('#token', token);
    await page.click('#login-form button');
    await page.waitForSelector('[data-table="gateways"]');
  });
  afterAll(async () => {
    await page?.close();
  });
  const open = async (hash: string, selector: string): Promise<void> => {
    await page.click(`nav a[href="${hash}"]`);
    await page.waitForSelector(selector);
  };

  it('drift: the heatmap and the PSI lines drawn, the numbers of the API', async () => {
    await open('#/drift', '[data-chart="heatmap"] canvas');
    await page.waitForSelector('[data-chart="psi-time"] canvas');
    const series = await apiGet<{ points: { status: string }[] }>('/api/v1/models/occupancy/drift/series');
    expect(series.points).toHaveLength(6);
    expect(await text(page, '[data-stat="series-points"]')).toBe(String(series.points.length));
    expect(await text(page, '[data-stat="series-major"]')).toBe(
      String(series.points.filter((p) => p.status === 'major').length),
    );
    expect(Number(await text(page, '[data-stat="series-major"]'))).toBeGreaterThanOrEqual(3);
    expect(await coloured(page, 'heatmap')).toBeGreaterThan(1000);
    expect(await coloured(page, 'psi-time')).toBeGreaterThan(300);
    expect(await coloured(page, 'histogram')).toBeGreaterThan(100);
    await page.screenshot({ path: join(SHOTS, 'drift-over-time.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('data quality: the stuck sensor named with its device and feature, counts of the API', async () => {
    await open('#/quality', '[data-table="quality"]');
    const q = await apiGet<{ findings: { kind: string; device: string; feature: string }[] }>(
      '/api/v1/models/occupancy/quality',
    );
    expect(await text(page, '[data-stat="quality-findings"]')).toBe(String(q.findings.length));
    expect(await page.locator('[data-table="quality"] tbody tr').count()).toBe(q.findings.length);
    expect(q.findings).toContainEqual(
      expect.objectContaining({ kind: 'stuck', device: 'sensor-3', feature: 'Temperature' }),
    );
    expect(await text(page, '[data-table="quality"] tbody')).toMatch(/sensor-3\s+site-1\s+Temperature\s+stuck sensor/);
    await page.screenshot({ path: join(SHOTS, 'quality.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('performance: the metric over time with its band drawn, labels counted as the API does', async () => {
    await open('#/performance', '[data-chart="performance"] canvas');
    const p = await apiGet<{ points: { labels: number; status: string }[] }>('/api/v1/models/occupancy/performance');
    const labels = p.points.reduce((n, x) => n + x.labels, 0);
    expect(labels).toBe(60);
    expect(await text(page, '[data-stat="perf-labels"]')).toBe(String(labels));
    expect(await text(page, '[data-stat="perf-worse"]')).toBe(
      String(p.points.filter((x) => x.status === 'worse').length),
    );
    expect(await coloured(page, 'performance')).toBeGreaterThan(300);
    await page.screenshot({ path: join(SHOTS, 'performance.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('alerts: listed as the API lists them; acknowledging one in the page changes its state', async () => {
    await open('#/alerts', '[data-table="alerts"]');
    const firing = await apiGet<{ items: { id: string; metric: string; subject?: string }[] }>(
      '/api/v1/alerts?state=firing',
    );
    expect(firing.items.map((a) => a.metric)).toEqual(expect.arrayContaining(['quality', 'drift.psi', 'performance']));
    expect(await text(page, '[data-stat="alerts-firing"]')).toBe(String(firing.items.length));
    await page.screenshot({ path: join(SHOTS, 'alerts.png'), fullPage: true });
    const stuck = firing.items.find((a) => a.metric === 'quality' && a.subject === 'sensor-3');
    expect(stuck).toBeDefined();
    await page.click(`button[data-ack="${stuck?.id}"]`);
    await until(async () => (await text(page, '[data-stat="alerts-acknowledged"]')) === '1', 'page shows the ack');
    const acked = await apiGet<{ items: { id: string; acknowledgedBy?: string }[] }>(
      '/api/v1/alerts?state=acknowledged',
    );
    expect(acked.items).toEqual([expect.objectContaining({ id: stuck?.id, acknowledgedBy: 'mon-admin' })]);
    expect(await text(page, '[data-stat="alerts-firing"]')).toBe(String(firing.items.length - 1));
    expect(await page.locator(`button[data-ack="${stuck?.id}"]`).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('rollouts: progress per wave, gates with values and limits, the history of the campaign', async () => {
    await open('#/rollouts', '[data-table="history"]');
    const list = await apiGet<{ items: { id: string }[] }>('/api/v1/campaigns');
    const status = await apiGet<{
      state: string;
      waves: { devices: unknown[]; gates?: { gate: string; limit: number }[] }[];
    }>(`/api/v1/campaigns/${list.items[0]?.id}`);
    expect(await text(page, '[data-stat="campaign-state"]')).toBe(status.state);
    expect(await page.locator('[data-table="waves"] tbody tr').count()).toBe(status.waves.length);
    const gates = status.waves.flatMap((w) => w.gates ?? []);
    expect(gates.length).toBeGreaterThan(0);
    expect(await page.locator('[data-table="gates"] tbody tr').count()).toBe(gates.length);
    expect(await text(page, '[data-table="gates"] tbody')).toContain(gates[0]?.gate as string);
    expect(await page.locator('[data-table="history"] tbody tr').count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(SHOTS, 'rollouts.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
