/**
 * The fleet dashboard in a real browser (Debian's chromium through playwright-core) against a real
 * fleet, gateway and two devices that predicted and sent telemetry: every page loads without a
 * console error, the numbers shown equal the operator API's, the drift charts draw on their
 * canvases, and a browser without a token sees the login. Each page is screenshotted: into a
 * temporary folder, or into docs/screenshots/ (the README's pictures) with OUTPOST_SCREENSHOTS=docs,
 * so an ordinary run leaves the tracked files alone.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureEnrolled } from '@outpost/protocol/node';
import { ApiErrorCodes, startFleet, type Fleet } from '@outpost/fleet';
import { startGateway, type Gateway } from '@outpost/gateway';
import { startDevice, type Device } from '@outpost/device';
import { FIRMWARE_MODELS, RELEASE_PUBLIC_KEY } from '../../stack/model.ts';

const CHROMIUM = '/usr/bin/chromium';
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

/** A page that records console errors and uncaught exceptions. */
async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

const text = (page: Page, selector: string): Promise<string> => page.locator(selector).first().innerText();

/** Whether a chart's canvas has drawn pixels (not all transparent). */
const canvasDrawn = (page: Page, chart: string): Promise<number> =>
  // A string expression: it runs in the page (the tests are compiled without the DOM library).
  page.evaluate(`(() => {
    const canvas = document.querySelector('[data-chart="${chart}"] canvas');
    if (!canvas) return -1;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let drawn = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) drawn++;
    return drawn;
  })()`);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium`);
  root = mkdtempSync(join(tmpdir(), 'outpost-dash-'));
  SHOTS =
    process.env.OUTPOST_SCREENSHOTS === 'docs'
      ? join(import.meta.dirname, '..', '..', 'docs', 'screenshots')
      : join(root, 'screenshots');
  const publicKeyPem = readFileSync(RELEASE_PUBLIC_KEY, 'utf8');
  fleet = await startFleet({ dataDir: join(root, 'fleet'), port: 0, enrollPort: 0, apiPort: 0, publicKeyPem });
  await fleet.registerArtifact(join(FIRMWARE_MODELS, 'occupancy', '1'));
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
  const until = async (check: () => boolean, what: string): Promise<void> => {
    for (const deadline = Date.now() + 60_000; !check();) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await until(() => fleet.store.listReported().filter((r) => r.kind === 'device').length === 2, 'devices reported');
  await fleet.assign('site-1', 'occupancy', 1, undefined, { actor: 'setup', reason: 'dashboard test' });
  await until(() => devices.every((d) => d.active()?.version === 1), 'devices run v1');
  for (const d of devices) {
    const golden = d.active()?.manifest.golden.map((g) => g.inputs) ?? [];
    await d.predict([...golden, ...golden, ...golden]);
    await d.flushTelemetry();
  }
  await until(() => fleet.store.countTelemetry() >= 2, 'telemetry stored');
  await until(
    () => fleet.store.listReported().filter((r) => r.kind === 'device' && r.status === 'converged').length === 2,
    'devices converged',
  );
  token = fleet.tokens.create({ name: 'dash-admin', role: 'admin', at: new Date().toISOString() }).token;
  browser = await chromium.launch({ executablePath: CHROMIUM });
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const d of devices) await d.close();
  await gateway?.close();
  await fleet?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the fleet dashboard in chromium', () => {
  it('shows the login to a browser without a token, and refuses a wrong one', async () => {
    const { page, errors } = await openPage();
    await page.goto(`${fleet.apiUrl}/`);
    await page.waitForSelector('body[data-ready="login"]');
    expect(await page.locator('#login').isVisible()).toBe(true);
    expect(await page.locator('#nav').isVisible()).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'login.png') });
    await page.fill('#token', 'opt_wrong');
    await page.click('#login-form button');
    await page.waitForSelector('#login-error:not(:empty)');
    expect(await text(page, '#login-error')).toContain(ApiErrorCodes.API_UNAUTHORIZED);
    // The refused fetch logs one console error in Chromium ("Failed to load resource: 401"); nothing else.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await page.close();
  });

  it('logs in and shows each page with the numbers of the API, without console errors', async () => {
    const { page, errors } = await openPage();
    await page.goto(`${fleet.apiUrl}/`);
    await page.fill('#token', token);
    await page.click('#login-form button');
    await page.waitForSelector('[data-table="gateways"]');

    // Overview.
    const devs = await apiGet<{ items: { id: string; online: boolean }[] }>('/api/v1/devices');
    const gws = await apiGet<{ items: unknown[] }>('/api/v1/gateways');
    const models = await apiGet<{ items: unknown[] }>('/api/v1/models');
    expect(await text(page, '[data-stat="devices"]')).toBe(String(devs.items.length));
    expect(await text(page, '[data-stat="gateways"]')).toBe(String(gws.items.length));
    expect(await text(page, '[data-stat="online"]')).toBe(String(devs.items.filter((d) => d.online).length));
    expect(await text(page, '[data-stat="versions"]')).toBe(String(models.items.length));
    expect(await text(page, '[data-table="running"] tbody')).toMatch(/occupancy v1\s+2/);
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });

    // Devices.
    await page.click('nav a[href="#/devices"]');
    await page.waitForSelector('[data-table="devices"]');
    expect(await text(page, '[data-stat="device-count"]')).toBe('2');
    expect(await page.locator('[data-table="devices"] tbody tr').count()).toBe(devs.items.length);
    await page.screenshot({ path: join(SHOTS, 'devices.png'), fullPage: true });

    // One device.
    await page.click('[data-table="devices"] a[href="#/devices/device-1"]');
    await page.waitForSelector('[data-stat="health-windows"]');
    const d1 = await apiGet<{ health: { windows: number; rows: number } }>('/api/v1/devices/device-1');
    expect(await text(page, '[data-stat="health-windows"]')).toBe(String(d1.health.windows));
    expect(await text(page, '[data-stat="health-rows"]')).toBe(String(d1.health.rows));
    expect(d1.health.rows).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'device.png'), fullPage: true });

    // Models.
    await page.click('nav a[href="#/models"]');
    await page.waitForSelector('[data-table="models"]');
    expect(await page.locator('[data-table="models"] tbody tr').count()).toBe(models.items.length);
    await page.screenshot({ path: join(SHOTS, 'models.png'), fullPage: true });

    // Audit.
    await page.click('nav a[href="#/audit"]');
    await page.waitForSelector('[data-table="audit"] tbody tr');
    const audit = await apiGet<{ items: { actor: string }[] }>('/api/v1/audit?limit=50');
    expect(await page.locator('[data-table="audit"] tbody tr').count()).toBe(audit.items.length);
    expect(await text(page, '[data-table="audit"] tbody')).toContain('setup');
    await page.screenshot({ path: join(SHOTS, 'audit.png'), fullPage: true });

    // Drift: PSI per feature and a histogram, drawn.
    await page.click('nav a[href="#/drift"]');
    await page.waitForSelector('[data-chart="histogram"] canvas');
    const drift = await apiGet<{ windows: number; rows: number; features: unknown[] }>(
      '/api/v1/models/occupancy/drift',
    );
    expect(await text(page, '[data-stat="drift-windows"]')).toBe(String(drift.windows));
    expect(await text(page, '[data-stat="drift-rows"]')).toBe(String(drift.rows));
    expect(await page.locator('[data-table="drift"] tbody tr').count()).toBe(drift.features.length + 1);
    expect(await canvasDrawn(page, 'psi')).toBeGreaterThan(100);
    expect(await canvasDrawn(page, 'histogram')).toBeGreaterThan(100);
    await page.screenshot({ path: join(SHOTS, 'drift.png'), fullPage: true });

    expect(errors).toEqual([]);
    await page.close();
  });

  it('updates live: an assignment made through the API appears in the audit page without a reload', async () => {
    const { page, errors } = await openPage();
    await page.goto(`${fleet.apiUrl}/`);
    await page.fill('#token', token);
    await page.click('#login-form button');
    await page.waitForSelector('[data-table="gateways"]');
    await page.click('nav a[href="#/audit"]');
    await page.waitForSelector('[data-table="audit"] tbody tr');
    const before = await page.locator('[data-table="audit"] tbody tr').count();
    const res = await fetch(`${fleet.apiUrl}/api/v1/assign`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        gateway: 'site-1',
        model: 'occupancy',
        version: 2,
        devices: ['device-2'],
        reason: 'live test',
      }),
    });
    expect(res.status).toBe(200);
    await expect
      .poll(() => page.locator('[data-table="audit"] tbody tr').count(), { timeout: 15_000 })
      .toBeGreaterThan(before);
    expect(await text(page, '[data-table="audit"] tbody tr')).toContain('live test');
    expect(errors).toEqual([]);
    await page.close();
  });
});
