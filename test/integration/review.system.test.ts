/**
 * The review page in a real browser (Debian's chromium through playwright-core) against a real
 * fleet, gateway and device (docs/MONITORING.md "Review queue"): the page loads without a console
 * error and shows the items the API returns (inputs, prediction, confidence); a reviewer labels one
 * in the page and the figures move — the page's and the API's labelled counts, and the model's
 * performance, which counts the label as ground truth. Screenshot into a temporary folder, or into
 * docs/screenshots/review.png with OUTPOST_SCREENSHOTS=docs.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startDevice, type Device } from '@outpost/device';
import { loadReleasePublicKey } from '../../stack/model.ts';
import { enrollDevice, startStack, type Stack } from '../../stack/site.ts';
import { waitFor } from './wait.ts';

const CHROMIUM = '/usr/bin/chromium';
let SHOTS: string;
let root: string;
let stack: Stack;
let device: Device;
let browser: Browser;
let token: string;

interface Item {
  device: string;
  predictionId: string;
  inputs: Record<string, number | string | null>;
}

async function apiGet<T>(path: string): Promise<T> {
  const res = await fetch(`${stack.fleet.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium`);
  root = mkdtempSync(join(tmpdir(), 'outpost-review-ui-'));
  SHOTS =
    process.env.OUTPOST_SCREENSHOTS === 'docs'
      ? join(import.meta.dirname, '..', '..', 'docs', 'screenshots')
      : join(root, 'screenshots');
  stack = await startStack({ dataDir: root, devices: 0, apiPort: 0 });
  const dir = join(root, 'device-review-1');
  await enrollDevice(stack.gateway, 'review-1', dir);
  device = await startDevice({
    id: 'review-1',
    dataDir: dir,
    brokerUrl: stack.gateway.localUrl,
    publicKeyPem: loadReleasePublicKey(),
    fleetKeyPem: stack.fleet.intentPublicKeyPem,
    gatewayId: 'site-1',
    // occupancy v2 is less sure than this of these Light readings: each is flagged.
    reviewMargin: 0.95,
  });
  await device.waitForModel((m) => m.artifactId === stack.model.artifactId, 60_000);
  await device.predict([{ Light: 426 }, { Light: 424 }, { Light: 428 }]);
  await device.flushTelemetry(); // performance needs a version of the model that devices report
  await waitFor(() => stack.fleet.review.count() >= 3, 30_000);
  token = stack.fleet.tokens.create({ name: 'reviewer', role: 'operator', at: new Date().toISOString() }).token;
  browser = await chromium.launch({ executablePath: CHROMIUM });
  mkdirSync(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await device?.close();
  await stack?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the review page in chromium', () => {
  it('shows the queue the API returns, and a label given there moves the figures', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${stack.fleet.apiUrl}/`);
    await page.fill('#token', token);
    await page.click('#login-form button');
    await page.waitForSelector('[data-table="gateways"]');
    await page.click('nav a[href="#/review"]');
    await page.waitForSelector('[data-table="review"]');

    const pending = await apiGet<{ items: Item[] }>('/api/v1/review?state=pending');
    expect(pending.items.length).toBe(3);
    expect(await page.locator('[data-stat="review-pending"]').innerText()).toBe('3');
    expect(await page.locator('[data-stat="review-labelled"]').innerText()).toBe('0');
    for (const item of pending.items) {
      const row = page.locator(`[data-review="${item.device}/${item.predictionId}"]`);
      expect(await row.innerText()).toContain(`Light = ${item.inputs.Light}`);
    }
    await page.screenshot({ path: join(SHOTS, 'review.png'), fullPage: true });

    const labelled = (): number =>
      stack.fleet.monitor.performance(stack.model.name).points.reduce((n, p) => n + p.labels, 0);
    const before = labelled();
    const first = pending.items[0] as Item;
    const form = page.locator(`form[data-prediction="${first.predictionId}"]`);
    await form.locator('input').fill('0');
    await form.locator('button').click();
    // A locator wait, not waitForFunction: a string predicate is evaluated in the page,
    // which the dashboard's Content-Security-Policy (no 'unsafe-eval') refuses.
    await page.locator('[data-stat="review-labelled"]', { hasText: /^1$/ }).waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-stat="review-pending"]').innerText()).toBe('2');
    expect(await page.locator(`[data-review="${first.device}/${first.predictionId}"]`).count()).toBe(0);
    const after = await apiGet<{ items: (Item & { label: unknown; labelledBy: string })[] }>(
      '/api/v1/review?state=labelled',
    );
    expect(after.items).toEqual([
      expect.objectContaining({ predictionId: first.predictionId, label: 0, labelledBy: 'reviewer' }),
    ]);
    expect(labelled()).toBe(before + 1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
