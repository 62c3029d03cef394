/**
 * Storage faults (docs/ARCHITECTURE.md "Telemetry"): a tier's data refuses writes for seconds
 * while telemetry flows. A write failure keeps the data and retries; the tier says `degraded` with
 * a reason code while it lasts; nothing is receipted that was not stored. At the end every window
 * the device created is stored at the fleet exactly once, seqs 1..n with no gap.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceErrorCodes } from '@outpost/device';
import { GatewayErrorCodes } from '@outpost/gateway';
import { sleep } from './processes.ts';
import { makeReadOnly } from '../../stack/read-only.ts';
import { startFaultStack, until, type FaultStack } from '../../stack/fault-stack.ts';

let stack: FaultStack | undefined;
let undo: (() => void) | undefined;
afterEach(async () => {
  undo?.();
  await stack?.close();
  stack = undefined;
});

const DEVICE = { id: 'dev-1', rows: 3000, rate: 300, windowRows: 10, windowMs: 250 };

async function expectExactlyOnce(s: FaultStack): Promise<void> {
  const device = s.devices.get(DEVICE.id);
  await until(() => /replayed \d+ rows/.test(device?.output() ?? ''), 'the replay to finish', 60_000);
  await until(
    () => {
      const r = s.exactlyOnce(DEVICE.id);
      return r.missing.length === 0 && s.deviceOutbox(DEVICE.id).length === 0;
    },
    'every window stored',
    30_000,
  ).catch(() => undefined);
  const r = s.exactlyOnce(DEVICE.id);
  s.mark(`end: ${r.created} created, ${r.stored} stored, ${r.missing.length} missing`);
  expect({ missing: r.missing, duplicated: r.stored - r.unique }, s.marks()).toEqual({ missing: [], duplicated: 0 });
  expect(r.created).toBeGreaterThan(50);
}

describe('storage faults', () => {
  it("skips no seq while the device's outbox refuses writes, and /health says degraded meanwhile", async () => {
    const s = (stack = await startFaultStack([DEVICE]));
    const url = /serving on (http:\/\/\S+)/.exec(s.devices.get(DEVICE.id)?.output() ?? '')?.[1];
    const health = async (): Promise<{ status: string; reason?: string }> =>
      (await (await fetch(`${url}/health`)).json()) as { status: string; reason?: string };
    await until(() => s.stored(DEVICE.id).length >= 2, 'windows stored at the fleet', 30_000);
    expect((await health()).status).toBe('ok');

    undo = makeReadOnly([join(s.deviceDir(DEVICE.id), 'outbox')]);
    s.mark('device outbox read-only');
    let seen = { status: 'ok' } as { status: string; reason?: string };
    const deadline = Date.now() + 10_000;
    while (seen.status !== 'degraded' && Date.now() < deadline) {
      await sleep(100);
      seen = await health();
    }
    expect(seen).toMatchObject({ status: 'degraded', reason: DeviceErrorCodes.STORAGE });
    await sleep(3000);
    undo();
    s.mark('device outbox writable');
    await until(() => s.devices.get(DEVICE.id) !== undefined, 'device');
    const deadlineOk = Date.now() + 15_000;
    while ((await health()).status !== 'ok' && Date.now() < deadlineOk) await sleep(100);
    expect((await health()).status).toBe('ok');
    await expectExactlyOnce(s);
  }, 180_000);

  it('receipts no window gateway.db did not store, and loses none, while gateway.db refuses writes', async () => {
    const s = (stack = await startFaultStack([DEVICE]));
    await until(() => s.stored(DEVICE.id).length >= 2, 'windows stored at the fleet', 30_000);
    const db = join(s.gatewayDir, 'gateway.db');
    undo = makeReadOnly([db, `${db}-wal`, s.gatewayDir]);
    s.mark('gateway.db read-only');
    await sleep(4000);
    undo();
    s.mark('gateway.db writable');
    await expectExactlyOnce(s);
    // The gateway said why it was degraded, and that it recovered.
    const out = s.gateway?.output() ?? '';
    expect(out).toContain(GatewayErrorCodes.STORE_WRITE_FAILED);
    expect(out).toContain('gateway store writable again');
  }, 180_000);
});
