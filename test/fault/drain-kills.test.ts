/**
 * Kills during outbox drains (docs/ARCHITECTURE.md "Telemetry"): a tier's outbox is emptied into a
 * next tier that is SIGKILLed 0.1–0.6 s after it starts storing, restarted, killed again, and so
 * on. A broker's PUBACK is not a receipt: whatever the broker acknowledged but the tier had not
 * written yet must still arrive. At the end every window the device created (its seq in
 * state.json) is stored at the fleet exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from './processes.ts';
import { between, startFaultStack, until, type FaultStack } from '../../stack/fault-stack.ts';

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const DEVICE = { id: 'dev-1', rows: 6000, rate: 1000, windowRows: 4, windowMs: 250 };
/**
 * How long the last life may take to deliver the backlog: a window resent with backoff waits up to
 * a minute (DEFAULT_MAX_RESEND_MS) — a 30 s budget failed once with 188 windows still on their way
 * on a machine at load 9.
 */
const CONVERGE_MS = 90_000;

/** Waits until the replay is over and every window the device created is stored, then checks exactly once. */
async function expectExactlyOnce(s: FaultStack, timeoutMs: number): Promise<void> {
  const device = s.devices.get(DEVICE.id);
  await until(
    () => /replayed \d+ rows/.test(device?.output() ?? '') || !s.devices.get(DEVICE.id),
    'the replay to finish',
    timeoutMs,
  ).catch(() => undefined);
  await until(
    () => {
      const r = s.exactlyOnce(DEVICE.id);
      return r.created > 0 && r.missing.length === 0 && s.deviceOutbox(DEVICE.id).length === 0;
    },
    'every window stored',
    timeoutMs,
  ).catch(() => undefined);
  const r = s.exactlyOnce(DEVICE.id);
  const atGateway = new Set(s.gatewayOutbox(DEVICE.id));
  s.mark(
    `end: ${r.created} created, ${r.stored} stored, ${r.missing.length} missing ` +
      `(${r.missing.filter((q) => atGateway.has(q)).length} of them in the gateway's outbox, ` +
      `${s.deviceOutbox(DEVICE.id).length} windows in the device's)`,
  );
  expect({ missing: r.missing, duplicated: r.stored - r.unique }, s.marks()).toEqual({ missing: [], duplicated: 0 });
  expect(r.created).toBeGreaterThan(50);
}

describe('kills during outbox drains', () => {
  it('loses no window when the fleet dies again and again while the gateway drains into it', async () => {
    const s = (stack = await startFaultStack([DEVICE]));
    await until(() => s.stored(DEVICE.id).length >= 2, 'windows stored at the fleet', 30_000);
    await s.killFleet();
    // The gateway queues what the device keeps sending: a long drain to interrupt.
    await sleep(4000);
    for (let i = 0; i < 4; i++) {
      const before = s.stored(DEVICE.id).length;
      await s.startFleet();
      // Killed while it drains: 0.1–0.6 s after the first window of this life is stored.
      // (Once the outbox is empty there is no drain left to interrupt: the next life just starts.)
      await until(() => s.stored(DEVICE.id).length > before, 'the drain to begin', 5_000).catch(() => undefined);
      await sleep(between(100, 600));
      await s.killFleet();
      await sleep(300);
    }
    await s.startFleet();
    await expectExactlyOnce(s, CONVERGE_MS);
  }, 420_000);

  it('loses no window when the gateway dies again and again while the device drains into it', async () => {
    const s = (stack = await startFaultStack([DEVICE]));
    await until(() => s.stored(DEVICE.id).length >= 2, 'windows stored at the fleet', 30_000);
    await s.killGateway();
    await until(() => s.deviceOutbox(DEVICE.id).length >= 60, 'windows queued in the device outbox', 15_000);
    for (let i = 0; i < 4; i++) {
      await s.startGateway();
      const before = s.deviceOutbox(DEVICE.id).length;
      // Killed while the device drains: 0.1–0.6 s after the device outbox starts shrinking.
      await until(() => s.deviceOutbox(DEVICE.id).length < before, 'the device drain to begin', 15_000).catch(
        () => undefined,
      );
      await sleep(between(100, 600));
      await s.killGateway();
      await sleep(300);
    }
    await s.startGateway();
    await expectExactlyOnce(s, CONVERGE_MS);
  }, 420_000);
});
