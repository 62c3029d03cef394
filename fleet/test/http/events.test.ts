import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '@outpost/protocol';
import { startApiServer } from '../../src/http/api-server.ts';
import { createEventHub, type FleetEvent } from '../../src/http/events.ts';
import { sseStream, type SseSink } from '../../src/http/sse.ts';
import { presenceSweeper } from '../../src/http/store-events.ts';
import type { Fleet } from '../../src/fleet.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import type { FixtureArtifact } from '../fixtures.ts';
import { waitFor } from '../wait.ts';
import { seedSite, startApiFixture, type ApiFixture } from './api-fixture.ts';

interface Received {
  event: string;
  data: Record<string, unknown>;
}

/** A real HTTP client on the event stream: parses events and counts comment lines. */
function openStream(url: string, token: string | undefined) {
  const events: Received[] = [];
  const comments: string[] = [];
  let status = 0;
  let buffer = '';
  const req = request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const ready = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) comments.push(block.slice(1).trim());
          else {
            const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
            const data = /^data: (.*)$/m.exec(block)?.[1] ?? '{}';
            events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
          }
        }
      });
      resolve();
    });
    req.on('error', reject);
  });
  req.end();
  return {
    events,
    comments,
    status: () => status,
    ready,
    close: () => req.destroy(),
  };
}

describe('GET /api/v1/events (server-sent events, real HTTP)', () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await startApiFixture({ apiEvents: { heartbeatMs: 100 } });
    await seedSite(f, 2);
  });
  afterAll(async () => {
    await f.close();
  });

  it('refuses a client without a token', async () => {
    const s = openStream(`${f.url}/api/v1/events`, undefined);
    await s.ready;
    expect(s.status()).toBe(401);
    s.close();
  });

  it('streams published events, audit entries of API calls, report changes, and heartbeats', async () => {
    const s = openStream(`${f.url}/api/v1/events`, f.tokens.viewer);
    await s.ready;
    expect(s.status()).toBe(200);
    await waitFor(() => s.comments.includes('connected'), 'connected comment');

    f.fleet.publish({ type: 'campaign.wave', data: { campaign: 'c1', wave: 1 } });
    await waitFor(() => s.events.find((e) => e.event === 'campaign.wave'), 'published event');
    expect(s.events.find((e) => e.event === 'campaign.wave')?.data).toMatchObject({ campaign: 'c1', wave: 1 });

    const res = await f.call('/api/v1/assign', {
      role: 'operator',
      body: { gateway: 'gw1', model: 'housing', version: 2 },
    });
    expect(res.status).toBe(200);
    const audit = await waitFor(() => s.events.find((e) => e.event === 'audit'), 'audit event');
    expect(audit.data).toMatchObject({ action: 'assign', actor: 'otto-operator', model: 'housing', version: 2 });

    const v2 = f.artifacts[1] as FixtureArtifact;
    await f.report({
      source: 'dev1',
      kind: 'device',
      status: 'converged',
      revision: 1,
      models: [{ name: 'housing', version: 2, artifactId: v2.artifactId, state: 'active' }],
    });
    const reported = await waitFor(
      () => s.events.find((e) => e.event === 'reported' && e.data.id === 'dev1'),
      'reported event of dev1',
    );
    expect(reported.data).toMatchObject({ kind: 'device', status: 'converged', revision: 1, gateway: 'gw1' });
    expect(reported.data.models).toEqual([{ name: 'housing', version: 2, state: 'active' }]);

    // The same report again changes nothing an operator sees: no second event.
    await f.report({
      source: 'dev1',
      kind: 'device',
      status: 'converged',
      revision: 1,
      models: [{ name: 'housing', version: 2, artifactId: v2.artifactId, state: 'active' }],
    });
    await waitFor(() => s.comments.filter((c) => c === 'heartbeat').length >= 2, 'two heartbeats');
    expect(s.events.filter((e) => e.event === 'reported' && e.data.id === 'dev1')).toHaveLength(1);
    s.close();
  });

  it('drops its subscription when the client disconnects', async () => {
    let live = 0;
    const counting: Fleet = {
      ...f.fleet,
      subscribe(listener) {
        live++;
        const off = f.fleet.subscribe(listener);
        return () => {
          live--;
          off();
        };
      },
    };
    const server = await startApiServer({
      fleet: counting,
      tokens: f.fleet.tokens,
      host: '127.0.0.1',
      port: 0,
      clock: systemClock,
      logger: silentLogger,
      dashboard: false,
    });
    try {
      const a = openStream(`${server.url}/api/v1/events`, f.tokens.viewer);
      const b = openStream(`${server.url}/api/v1/events`, f.tokens.viewer);
      await Promise.all([a.ready, b.ready]);
      await waitFor(() => live === 2, 'two subscribers');
      a.close();
      await waitFor(() => live === 1, 'one subscriber after a disconnect');
      b.close();
      await waitFor(() => live === 0, 'no subscriber');
    } finally {
      await server.close();
    }
  });
});

describe('an event stream on a slow client', () => {
  /** A socket whose buffer takes `capacity` writes, then pushes back until `drain()` empties it. */
  function slowSink(capacity: number) {
    const written: string[] = [];
    let buffered = 0;
    let drainListener: (() => void) | undefined;
    let ended = false;
    const sink: SseSink = {
      write(chunk) {
        written.push(chunk);
        buffered++;
        return buffered < capacity;
      },
      once(_e, l) {
        drainListener = l;
      },
      end() {
        ended = true;
      },
    };
    return {
      sink,
      written,
      drain: () => {
        buffered = 0;
        drainListener?.();
      },
      ended: () => ended,
    };
  }
  const hub = createEventHub({ now: () => 0 });
  const event = (n: number): FleetEvent => hub.publish({ type: 'test', data: { n } });

  it('queues while the socket pushes back and sends the queue in order once it drains', () => {
    const s = slowSink(2);
    const stream = sseStream(s.sink, { maxQueue: 10 });
    for (let i = 0; i < 5; i++) stream.send(event(i));
    expect(s.written).toHaveLength(2);
    expect(stream.queued()).toBe(3);
    s.drain(); // 2 more fit before it pushes back again
    expect(s.written).toHaveLength(4);
    s.drain();
    expect(s.written.map((w) => /"n":(\d)/.exec(w)?.[1])).toEqual(['0', '1', '2', '3', '4']);
    expect(stream.queued()).toBe(0);
    expect(stream.closed).toBe(false);
  });

  it('ends the stream with an overflow event once the client is maxQueue events behind', () => {
    const s = slowSink(1);
    const stream = sseStream(s.sink, { maxQueue: 3 });
    for (let i = 0; i < 10; i++) stream.send(event(i));
    expect(stream.closed).toBe(true);
    expect(s.ended()).toBe(true);
    expect(s.written.at(-1)).toContain('event: overflow');
    expect(s.written.length).toBe(2);
    expect(stream.queued()).toBe(0);
  });
});

describe('presence by silence', () => {
  it('publishes presence when a node goes silent past the limit and when it is heard again', () => {
    const store = createMemoryStore();
    const hub = createEventHub({ now: () => 0 });
    const got: FleetEvent[] = [];
    hub.subscribe((e) => got.push(e));
    const sweeper = presenceSweeper(store, hub, 1000);
    const t0 = Date.parse('2025-01-01T00:00:00Z');
    store.putReported(
      { source: 'dev1', kind: 'device', revision: -1, at: '2025-01-01T00:00:00.000Z', status: 'idle', models: [] },
      '2025-01-01T00:00:00.000Z',
    );
    sweeper.sweep(t0 + 500);
    expect(got).toEqual([]);
    sweeper.sweep(t0 + 1500);
    expect(got.map((e) => e.data)).toEqual([expect.objectContaining({ id: 'dev1', online: false })]);
    store.putReported(
      { source: 'dev1', kind: 'device', revision: -1, at: '2025-01-01T00:00:02.000Z', status: 'idle', models: [] },
      '2025-01-01T00:00:02.000Z',
    );
    sweeper.sweep(t0 + 2100);
    expect(got.map((e) => e.data.online)).toEqual([false, true]);
    store.close();
  });
});
