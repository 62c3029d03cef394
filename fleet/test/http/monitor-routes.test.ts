import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, sha256Hex, topics } from '@outpost/protocol';
import { ApiErrorCodes, FleetErrorCodes } from '../../src/errors.ts';
import { MonitorErrorCodes } from '../../src/monitor/errors.ts';
import { AlertReply, DriftSeriesReply, PerformanceReply, QualityReply } from '../../src/http/monitor-schemas.ts';
import { run } from '../monitor/cli-helpers.ts';
import { HOUR, MIN, monitorManifest, monitorWindow } from '../monitor/helpers.ts';
import { waitFor } from '../wait.ts';
import { startApiFixture, type ApiFixture } from './api-fixture.ts';

const failure = async (res: Response): Promise<{ status: number; code: string }> => {
  const body = (await res.json()) as { error: { code: string } };
  return { status: res.status, code: body.error.code };
};
const json = async <T>(res: Response): Promise<T> => {
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};

/**
 * The monitoring routes over real HTTP on loopback, a real fleet.db filled through the real ingest
 * path (MQTT as the gateway): replies match their schemas and equal what the CLI prints with --json.
 */
describe('monitoring over the operator API', () => {
  let f: ApiFixture;
  // Two whole hours before the current one: the older in distribution, the newer with temp drifted
  // on every device and co2 stuck on d2.
  const base = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;

  beforeAll(async () => {
    f = await startApiFixture({
      alertEveryMs: 0,
      monitor: {
        rules: [
          { metric: 'quality', scope: 'device', forMs: 0, severity: 'warning' },
          { metric: 'drift.psi', scope: 'model', forMs: 0, severity: 'critical' },
        ],
      },
    });
    f.fleet.store.putArtifact({
      artifactId: sha256Hex('occupancy-1'),
      name: 'occupancy',
      version: 1,
      manifest: monitorManifest(),
      dir: f.dataDir,
      registeredAt: new Date(base - HOUR).toISOString(),
    });
    let sent = 0;
    for (const device of ['d1', 'd2', 'd3'])
      for (let k = 0; k < 12; k++) {
        const late = k >= 6;
        const stuck = late && device === 'd2';
        await f.gateway.publish(
          topics.device(device, 'telemetry'),
          encode(
            monitorWindow({
              device,
              gateway: 'gw1',
              seq: k,
              at: base + k * 10 * MIN,
              ...(late ? { temp: [0, 0, 0, 20, 80] } : {}),
              ...(stuck
                ? { co2: [0, 0, 100, 0, 0], minMax: { temp: [19, 26], co2: [655, 655] } }
                : { minMax: { temp: [19, 26], co2: [420, 1100] } }),
            }),
          ),
          { qos: 1 },
        );
        sent++;
      }
    await waitFor(() => f.fleet.store.countTelemetry() >= sent, 'windows stored');
    // Labels through the labels topic: 40 predictions of d1, 30 of them right.
    for (let i = 0; i < 40; i++)
      await f.gateway.publish(
        topics.device('d1', 'labels'),
        encode({
          device: 'd1',
          gateway: 'gw1',
          predictionId: `p-${i}`,
          label: i < 30 ? 1 : 0,
          at: new Date(base + 2 * HOUR).toISOString(),
          prediction: { value: 0.9, model: 'occupancy', version: 1, at: new Date(base + i * MIN).toISOString() },
        }),
        { qos: 1 },
      );
    await waitFor(
      () => f.fleet.monitor.performance('occupancy').points.reduce((n, p) => n + p.labels, 0) === 40,
      'labels joined',
    );
    await f.fleet.monitor.evaluate();
  }, 60_000);
  afterAll(async () => {
    await f.close();
  });

  it('asks for a token (401), a role (403), a valid query (400) and a known model or alert (404)', async () => {
    expect(await failure(await f.call('/api/v1/models/occupancy/quality', { role: null }))).toEqual({
      status: 401,
      code: ApiErrorCodes.API_UNAUTHORIZED,
    });
    expect(await failure(await f.call('/api/v1/alerts', { role: null }))).toEqual({
      status: 401,
      code: ApiErrorCodes.API_UNAUTHORIZED,
    });
    expect(await failure(await f.call('/api/v1/alerts/x/acknowledge', { role: 'viewer', body: {} }))).toEqual({
      status: 403,
      code: ApiErrorCodes.API_FORBIDDEN,
    });
    expect(await failure(await f.call('/api/v1/models/occupancy/drift/series?window=1w'))).toEqual({
      status: 400,
      code: ApiErrorCodes.API_REQUEST_INVALID,
    });
    expect(await failure(await f.call('/api/v1/models/occupancy/drift/series?window=1h/7m'))).toEqual({
      status: 400,
      code: MonitorErrorCodes.MONITOR_WINDOW_INVALID,
    });
    expect(await failure(await f.call('/api/v1/alerts?state=burning'))).toEqual({
      status: 400,
      code: ApiErrorCodes.API_REQUEST_INVALID,
    });
    expect(await failure(await f.call('/api/v1/models/nope/performance'))).toEqual({
      status: 404,
      code: FleetErrorCodes.UNKNOWN_MODEL,
    });
    expect(await failure(await f.call('/api/v1/alerts/nope/acknowledge', { role: 'operator', body: {} }))).toEqual({
      status: 404,
      code: MonitorErrorCodes.ALERT_UNKNOWN,
    });
  });

  it('serves the drift time series the CLI prints, by model and by device', async () => {
    for (const by of ['model', 'device'] as const) {
      const api = DriftSeriesReply.parse(await json(await f.call(`/api/v1/models/occupancy/drift/series?by=${by}`)));
      const cli = await run(
        'drift',
        'occupancy',
        '--json',
        ...(by === 'device' ? ['--by', by] : []),
        '--data-dir',
        f.dataDir,
      );
      expect(cli.exitCode ?? 0, cli.stderr.join('')).toBe(0);
      expect(api).toEqual((JSON.parse(cli.stdout.join('')) as { series: unknown }).series);
    }
    const hourly = DriftSeriesReply.parse(await json(await f.call('/api/v1/models/occupancy/drift/series')));
    expect(hourly.points.map((p) => p.start)).toEqual([
      new Date(base).toISOString(),
      new Date(base + HOUR).toISOString(),
    ]);
    const temp = hourly.points.map((p) => p.features.find((x) => x.feature === 'temp')?.status);
    expect(temp).toEqual(['ok', 'major']);
    const daily = DriftSeriesReply.parse(await json(await f.call('/api/v1/models/occupancy/drift/series?window=1d')));
    expect(daily.window.sizeMs).toBe(24 * HOUR);
  });

  it('serves the quality report the CLI prints, naming the stuck sensor and its device', async () => {
    const api = QualityReply.parse(await json(await f.call('/api/v1/models/occupancy/quality')));
    const cli = await run('quality', 'occupancy', '--json', '--data-dir', f.dataDir);
    expect(api).toEqual(JSON.parse(cli.stdout.join('')));
    expect(api.findings).toContainEqual(
      expect.objectContaining({
        kind: 'stuck',
        device: 'd2',
        feature: 'co2',
        start: new Date(base + HOUR).toISOString(),
      }),
    );
    expect(api.findings.filter((x) => x.kind === 'stuck').every((x) => x.device === 'd2')).toBe(true);
  });

  it('serves performance with the test band, equal to the CLI', async () => {
    const api = PerformanceReply.parse(await json(await f.call('/api/v1/models/occupancy/performance?window=1h')));
    const cli = await run('performance', 'occupancy', '--json', '--window', '1h', '--data-dir', f.dataDir);
    expect(api).toEqual(JSON.parse(cli.stdout.join('')));
    expect(api.band).toMatchObject({ metric: 'accuracy', source: 'cv' });
    expect(api.points).toHaveLength(1);
    expect(api.points[0]).toMatchObject({ labels: 40, metrics: { accuracy: 0.75 }, status: 'worse' });
  });

  it('lists alerts in pages and by state, as the CLI does, and an operator acknowledges one (an event follows)', async () => {
    type Page = { items: unknown[]; nextCursor: string | null };
    const all = await json<Page>(await f.call('/api/v1/alerts'));
    const alerts = all.items.map((a) => AlertReply.parse(a));
    expect(alerts.map((a) => a.metric).sort()).toEqual(expect.arrayContaining(['drift.psi', 'quality']));
    const cli = await run('alerts', 'list', '--json', '--data-dir', f.dataDir);
    expect([...alerts].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      (JSON.parse(cli.stdout.join('')) as { id: string }[]).sort((a, b) => a.id.localeCompare(b.id)),
    );

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await json<Page>(
        await f.call(`/api/v1/alerts?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
      );
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((a) => AlertReply.parse(a).id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(alerts.map((a) => a.id));

    const stuck = alerts.find((a) => a.metric === 'quality' && a.subject === 'd2');
    expect(stuck?.state).toBe('firing');
    const controller = new AbortController();
    const stream = await fetch(`${f.url}/api/v1/events`, {
      headers: { authorization: `Bearer ${f.tokens.viewer}` },
      signal: controller.signal,
    });
    const reader = (stream.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    const acked = AlertReply.parse(
      await json(
        await f.call(`/api/v1/alerts/${stuck?.id}/acknowledge`, { role: 'operator', body: { reason: 'on it' } }),
      ),
    );
    expect(acked).toMatchObject({ id: stuck?.id, state: 'acknowledged', acknowledgedBy: 'otto-operator' });
    while (!received.includes('event: alert.acknowledged')) received += (await reader.read()).value ?? '';
    expect(received).toContain(stuck?.id);
    controller.abort();

    const firing = await json<Page>(await f.call('/api/v1/alerts?state=firing'));
    expect(firing.items.map((a) => (a as { id: string }).id)).not.toContain(stuck?.id);
    const ackd = await json<Page>(await f.call('/api/v1/alerts?state=acknowledged,resolved'));
    expect(ackd.items.map((a) => (a as { id: string }).id)).toEqual([stuck?.id]);
  });

  it('lists the routes in /openapi.json', async () => {
    const doc = await json<{ paths: Record<string, unknown> }>(await f.call('/openapi.json', { role: null }));
    for (const p of [
      '/api/v1/models/{name}/drift/series',
      '/api/v1/models/{name}/quality',
      '/api/v1/models/{name}/performance',
      '/api/v1/alerts',
      '/api/v1/alerts/{id}/acknowledge',
    ])
      expect(Object.keys(doc.paths)).toContain(p);
  });
});
