/**
 * Ingestion end to end: device → gateway → fleet → SQLite. A real fleet (embedded aedes, fleet.db)
 * and G real gateways (their site brokers, relay and gateway.db outbox), with D enrolled device
 * clients each publishing K telemetry windows QoS 1 on its gateway and keeping each until its
 * gateway's receipt (re-sent after 5 s without one), with at most `--in-flight` unreceipted at a
 * time (a device's outbox draining as receipts come back) — N = D·K windows. Timed: from the first
 * publish until fleet.db holds all N (windows/s), and until every device holds every receipt.
 * Then fleet.db is counted by (device, seq): 0 lost, 0 doubled.
 *
 * Sustained, not cold: before the timed K, each device first sends `--warmup` windows (default 200)
 * through the tiers, untimed, and waits for all of them to be stored and receipted — the tiers are
 * fresh processes in the `--processes` layout, and their first thousands of windows run through
 * code V8 has not compiled yet. The anchor's clients likewise send `--warmup` windows each to the
 * bare broker first.
 *
 * The anchor, in the same run: the same D clients publishing the same N payloads QoS 1 to a bare
 * embedded broker with one QoS 1 subscriber that only counts them (raw aedes pub/sub).
 *
 *   npx tsx bench/e2e-ingest.ts [--devices 50] [--windows 40] [--warmup 200] [--gateways 2] [--in-flight 20] [--runs 3]
 *                               [--processes | --both]
 *
 * By default the tiers run in this one process, as the fleet's own tests do. `--processes` starts the
 * fleet and each gateway as its own OS process (the `outpost` CLI, enrolled; a deployment runs each
 * tier in its own process), `--both` measures both ways against the same anchor. The device clients
 * are the soak bench's stand-in (real MQTT clients with their own credentials, no model execution),
 * in this process either way.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LATENCY_BOUNDS_MS,
  Receipt,
  decode,
  encode,
  topics,
  type TelemetryWindow,
  type Transport,
} from '@outpost/protocol';
import { createMqttTransport } from '@outpost/protocol/node';
import { startEmbeddedBroker } from '@outpost/protocol/broker';
import { openSqliteStore } from '@outpost/fleet';
import { inProcessTiers, processTiers } from './lib/e2e-tiers.ts';
import { median, percentile } from './lib/table.ts';
import { numberArg } from './lib/args.ts';

const DEVICES = numberArg('--devices', 50);
const K = numberArg('--windows', 40);
const WARMUP = numberArg('--warmup', 200);
const GATEWAYS = numberArg('--gateways', 2);
const RUNS = numberArg('--runs', 3);
const IN_FLIGHT = numberArg('--in-flight', 20);
const N = DEVICES * K;
const RESEND_MS = 5000;

function windowOf(device: string, seq: number): TelemetryWindow {
  const bins = (k: number): number[] => Array.from({ length: k }, (_v, i) => (seq + i) % 7);
  return {
    device,
    seq,
    model: 'housing',
    version: 1,
    artifactId: 'a'.repeat(64),
    windowStart: '2026-01-01T00:00:00.000Z',
    windowEnd: '2026-01-01T00:00:10.000Z',
    rows: 100,
    features: Object.fromEntries(
      ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8'].map((f) => [
        f,
        { kind: 'numeric' as const, bins: bins(10), missing: 0, outOfRange: 0 },
      ]),
    ),
    predictions: { bins: bins(10), min: 1, max: 2, sum: 150 },
    latency: { counts: bins(LATENCY_BOUNDS_MS.length + 1), maxMs: 1.5 },
    errors: 0,
  };
}

const ids = Array.from({ length: DEVICES }, (_v, i) => `e2e-${String(i + 1).padStart(4, '0')}`);
/** Each device's windows: seqs 1..WARMUP untimed, then the timed K. */
const payloads = new Map(
  ids.map((id) => [id, Array.from({ length: WARMUP + K }, (_v, s) => encode(windowOf(id, s + 1)))]),
);

async function until(cond: () => boolean, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The anchor: the same clients and payloads, a bare broker, one counting QoS 1 subscriber. */
async function rawRun(run: number): Promise<number> {
  const broker = await startEmbeddedBroker({ port: 0 });
  const sub = createMqttTransport({ url: broker.url, clientId: `raw-sub-${run}`, clean: true });
  let got = 0;
  await sub.route(topics.all('devices', 'telemetry'), () => {
    got++;
  });
  await sub.start();
  const clients = ids.map((id) => createMqttTransport({ url: broker.url, clientId: `dev-${id}`, clean: true }));
  await Promise.all(clients.map((c) => c.start()));
  const send = (from: number, to: number): Promise<unknown> =>
    Promise.all(
      clients.map((c, i) => {
        const id = ids[i] as string;
        const mine = (payloads.get(id) ?? []).slice(from, to);
        return Promise.all(mine.map((p) => c.publish(topics.device(id, 'telemetry'), p, { qos: 1 })));
      }),
    );
  await send(0, WARMUP);
  await until(() => got >= DEVICES * WARMUP);
  const t0 = performance.now();
  await send(WARMUP, WARMUP + K);
  await until(() => got >= DEVICES * (WARMUP + K));
  const s = (performance.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  await sub.close();
  await broker.close();
  return s;
}

interface E2e {
  storedS: number;
  receiptedS: number;
  stored: number;
  distinct: number;
  lost: number;
  /** Known in process only. */
  duplicatesIgnored: number | undefined;
  resent: number;
}

type Mode = 'in-process' | 'processes';

async function e2eRun(root: string, run: number, mode: Mode): Promise<E2e> {
  const dir = join(root, `${mode}-${run}`);
  mkdirSync(dir);
  const tiers = await (mode === 'processes' ? processTiers : inProcessTiers)(dir, ids, GATEWAYS);
  const devices: { id: string; t: Transport; outbox: Map<number, number>; next: number }[] = [];
  let resent = 0;
  let started = false;
  /** The highest seq the devices send in this phase: the warm-up's, then all. */
  let limit = WARMUP;
  try {
    for (const [i, id] of ids.entries()) {
      const t = createMqttTransport({
        url: tiers.gatewayUrls[i % GATEWAYS] as string,
        clientId: `dev-${id}`,
        username: id,
        password: tiers.passwords.get(id) as string,
      });
      const dev = { id, t, outbox: new Map<number, number>(), next: 1 };
      await t.route(topics.device(id, 'acks'), (_topic, payload) => {
        for (const item of decode(Receipt, payload, 'receipt').items)
          if (item.kind === 'telemetry' && item.device === id) dev.outbox.delete(item.seq);
        topUp(dev);
      });
      await t.start();
      devices.push(dev);
    }
    function topUp(d: (typeof devices)[number]): void {
      if (!started) return;
      while (d.outbox.size < IN_FLIGHT && d.next <= limit) publish(d, d.next++);
    }
    const publish = (d: (typeof devices)[number], seq: number): void => {
      d.outbox.set(seq, Date.now() + RESEND_MS);
      const p = payloads.get(d.id)?.[seq - 1] as Buffer;
      d.t.publish(topics.device(d.id, 'telemetry'), p, { qos: 1 }).catch(() => undefined);
    };
    const resend = setInterval(() => {
      const now = Date.now();
      for (const d of devices)
        for (const [seq, due] of d.outbox)
          if (due <= now) {
            resent++;
            publish(d, seq);
          }
    }, 500);
    started = true;
    for (const d of devices) topUp(d);
    const drained = (): boolean => devices.every((d) => d.outbox.size === 0 && d.next > limit);
    await until(() => tiers.stored() >= DEVICES * WARMUP && drained());
    const t0 = performance.now();
    limit = WARMUP + K;
    for (const d of devices) topUp(d);
    let storedS = 0;
    await until(() => {
      if (storedS === 0 && tiers.stored() >= DEVICES * (WARMUP + K)) storedS = (performance.now() - t0) / 1000;
      return storedS > 0 && drained();
    });
    const receiptedS = (performance.now() - t0) / 1000;
    clearInterval(resend);
    const duplicatesIgnored = tiers.duplicates();
    for (const d of devices) await d.t.close();
    await tiers.close();
    const store = openSqliteStore(tiers.fleetDb);
    let stored = 0;
    let distinct = 0;
    let lost = 0;
    for (const id of ids) {
      const seqs = store.telemetryWindows({ model: 'housing', device: id }).map((w) => w.seq);
      const unique = new Set(seqs);
      stored += seqs.length;
      distinct += unique.size;
      for (let s = 1; s <= WARMUP + K; s++) if (!unique.has(s)) lost++;
    }
    store.close();
    return { storedS, receiptedS, stored, distinct, lost, duplicatesIgnored, resent };
  } catch (err) {
    for (const d of devices) await d.t.close().catch(() => undefined);
    await tiers.close().catch(() => undefined);
    throw err;
  }
}

const MODES: Mode[] = process.argv.includes('--both')
  ? ['in-process', 'processes']
  : process.argv.includes('--processes')
    ? ['processes']
    : ['in-process'];
const root = mkdtempSync(join(tmpdir(), 'outpost-e2e-ingest-'));
try {
  const raw: number[] = [];
  const e2e = new Map<Mode, E2e[]>(MODES.map((m) => [m, []]));
  for (let run = 0; run < RUNS; run++) {
    raw.push(await rawRun(run));
    for (const mode of MODES) e2e.get(mode)?.push(await e2eRun(root, run, mode));
  }
  const rate = (s: number): string => (N / s).toFixed(0).padStart(10);
  console.log(
    `ingestion end to end: ${DEVICES} devices × ${K} windows = ${N} timed (after ${WARMUP} each untimed) through ${GATEWAYS} gateway(s), ≤ ${IN_FLIGHT} in flight per device, ${RUNS} runs; load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log('side                                                 median s   p95 s   windows/s   ×raw rate');
  const line = (name: string, t: number[]): void =>
    console.log(
      `${name.padEnd(52)}${median(t).toFixed(3).padStart(9)}${percentile(t, 95).toFixed(3).padStart(8)}${rate(median(t))}${(median(raw) / median(t)).toFixed(2).padStart(10)}`,
    );
  line('anchor: raw aedes QoS 1 pub/sub', raw);
  let failed = false;
  for (const [mode, runs] of e2e) {
    const tag = mode === 'processes' ? ' [processes]' : ' [1 process]';
    line(
      `device → gateway → fleet.db (stored)${tag}`,
      runs.map((r) => r.storedS),
    );
    line(
      `… and every receipt back at its device${tag}`,
      runs.map((r) => r.receiptedS),
    );
    const lost = runs.reduce((a, r) => a + r.lost, 0);
    const doubled = runs.reduce((a, r) => a + (r.stored - r.distinct), 0);
    console.log(
      `${mode}: stored ${runs.map((r) => r.stored).join('/')} of ${DEVICES * (WARMUP + K)}; lost ${lost}, doubled ${doubled} (by (device, seq) in fleet.db); redeliveries ignored by the fleet ${runs
        .map((r) => r.duplicatesIgnored ?? '-')
        .join('/')}; device re-sends ${runs.map((r) => r.resent).join('/')}`,
    );
    const ratio = median(raw) / median(runs.map((r) => r.storedS));
    console.log(`${mode}: target ≥ 0.5× raw: ${ratio >= 0.5 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}×)`);
    if (lost > 0 || doubled > 0) failed = true;
  }
  if (failed) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
