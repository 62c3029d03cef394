/**
 * The dashboard's retraining page in a real browser (Debian's chromium through playwright-core)
 * against a real fleet with the retraining API wired as `outpost fleet` wires it: the runs in
 * fleet.db (a promoted and a rejected one, recorded as a run records them) show with the API's
 * scores, margin and decision, without console errors.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { silentLogger, systemClock } from '@outpost/protocol';
import {
  openFleetRetrain,
  retrainRoutes,
  startFleet,
  type Fleet,
  type FleetRetrain,
  type RetrainRun,
} from '@outpost/fleet';
import { RELEASE_PUBLIC_KEY } from '../../stack/model.ts';

const CHROMIUM = '/usr/bin/chromium';

let root: string;
let fleet: Fleet;
let retrain: FleetRetrain;
let browser: Browser;
let token: string;

const promoted: RetrainRun = {
  id: 'rt-housing-1',
  model: 'housing',
  championVersion: 1,
  spec: '/specs/housing/problem.yaml',
  freshFile: '/fresh/housing.csv',
  trigger: { kind: 'alert', alertId: 'al-1', metric: 'performance' },
  startedAt: '2026-03-02T10:00:00.000Z',
  finishedAt: '2026-03-02T10:04:00.000Z',
  outcome: 'promoted',
  metric: 'rmse',
  rows: { original: 400, fresh: 480, holdout: 120 },
  champion: { value: 91_234.5, loss: 91_234.5 },
  challenger: { value: 70_100.2, loss: 70_100.2 },
  margin: 0.02,
  improvement: (91_234.5 - 70_100.2) / 91_234.5,
  registeredVersion: 2,
  campaignId: 'c-7',
};
const rejected: RetrainRun = {
  ...promoted,
  id: 'rt-housing-2',
  trigger: { kind: 'manual', actor: 'alice' },
  startedAt: '2026-03-03T10:00:00.000Z',
  outcome: 'rejected',
  championVersion: 2,
  champion: { value: 70_000, loss: 70_000 },
  challenger: { value: 69_900, loss: 69_900 },
  improvement: 100 / 70_000,
  registeredVersion: undefined,
  campaignId: undefined,
} as RetrainRun;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium`);
  root = mkdtempSync(join(tmpdir(), 'outpost-retrain-dash-'));
  const dataDir = join(root, 'fleet');
  mkdirSync(dataDir);
  const publicKeyPem = readFileSync(RELEASE_PUBLIC_KEY, 'utf8');
  retrain = openFleetRetrain({ dataDir, publicKeyPem, clock: systemClock, logger: silentLogger });
  fleet = await startFleet({ dataDir, port: 0, apiPort: 0, publicKeyPem, apiRoutes: [retrainRoutes(retrain)] });
  retrain.attach(fleet);
  retrain.runs.put(promoted);
  retrain.runs.put(JSON.parse(JSON.stringify(rejected)) as RetrainRun);
  token = fleet.tokens.create({ name: 'dash-viewer', role: 'viewer', at: new Date().toISOString() }).token;
  browser = await chromium.launch({ executablePath: CHROMIUM });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.close();
  retrain?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the retraining page', () => {
  it('lists the runs with the API’s scores, margin and decision, without console errors', async () => {
    const res = await fetch(`${fleet.apiUrl}/api/v1/retrain-runs`, { headers: { authorization: `Bearer ${token}` } });
    const api = (await res.json()) as { items: RetrainRun[] };
    expect(api.items.map((r) => r.id)).toEqual(['rt-housing-2', 'rt-housing-1']);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${fleet.apiUrl}/#/retrain`);
    await page.fill('#token', token);
    await page.click('#login-form button');
    await page.waitForSelector('[data-table="retrain"] tbody tr');
    const rows = await page.locator('[data-table="retrain"] tbody tr').allInnerTexts();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/housing\s+v2\s+manual \(alice\)\s+rmse\s+70000\s+69900\s+0\.14%\s+2%\s+rejected/);
    expect(rows[1]).toMatch(
      /housing\s+v1\s+alert performance\s+rmse\s+91235\s+70100\s+23\.16%\s+2%\s+promoted: v2, canary c-7/,
    );
    expect(await page.locator('nav a[aria-current="page"]').innerText()).toBe('Retraining');
    expect(errors).toEqual([]);
    await page.close();
  });
});
