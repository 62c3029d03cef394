/**
 * Labels through gateway kills (docs/ARCHITECTURE.md "Telemetry"): a device's labels are posted in
 * a steady burst while its gateway is SIGKILLed again and again — sometimes between the site
 * broker's PUBACK and the gateway's outbox write. A label leaves the device's outbox (the
 * prediction log's label columns) only on the gateway's receipt, so at the end every label posted
 * is stored at the fleet exactly once and none is left unforwarded on the device.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FLEET_DB_FILE } from '@outpost/fleet';
import { sleep } from './processes.ts';
import { between, startFaultStack, until, type FaultStack } from '../../stack/fault-stack.ts';

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

// Replayed in a loop: windows keep the device bound to its gateway at the fleet whenever it is up.
const DEVICE = { id: 'dev-1', rows: 50, rate: 20, windowRows: 4, windowMs: 250, loop: true };
const LABELS = 600;

/** Reads through a second, read-only connection (the fleet process owns the file). */
function query<T>(file: string, sql: string, ...args: unknown[]): T[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

async function post<T>(url: string, body: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as T };
}

describe('labels through gateway kills', () => {
  it('stores every label at the fleet exactly once when the gateway dies during a burst', async () => {
    const s = (stack = await startFaultStack([DEVICE]));
    const fleetDb = join(s.fleetDir, FLEET_DB_FILE);
    const stored = (): string[] =>
      query<{ id: string }>(fleetDb, 'SELECT prediction_id AS id FROM labels WHERE device = ?', DEVICE.id).map(
        (r) => r.id,
      );
    // The device is bound to its gateway at the fleet by its first windows.
    await until(() => s.stored(DEVICE.id).length >= 1, 'windows stored at the fleet', 60_000);
    const url = s.deviceUrl(DEVICE.id);
    const rows = s.model.rows.slice(0, LABELS);
    const predicted = await post<{ ids: string[] }>(`${url}/predict`, { rows });
    expect(predicted.status).toBe(200);
    const ids = predicted.body.ids;
    expect(ids).toHaveLength(LABELS);

    // The burst: one label every ~8 ms (about 5 s), while the gateway is killed and restarted.
    const burst = (async () => {
      for (const [i, id] of ids.entries()) {
        const r = await post<unknown>(`${url}/label`, { predictionId: id, label: i % 2 });
        if (r.status !== 200) throw new Error(`label ${id}: ${r.status} ${JSON.stringify(r.body)}`);
        await sleep(8);
      }
      s.mark('burst posted');
    })();
    for (let i = 0; i < 4; i++) {
      await sleep(between(300, 900));
      await s.killGateway();
      await sleep(between(100, 400));
      await s.startGateway();
    }
    await burst;

    const unforwarded = (): number =>
      query<{ n: number }>(
        join(s.deviceDir(DEVICE.id), 'predictions.db'),
        'SELECT COUNT(*) AS n FROM predictions WHERE label IS NOT NULL AND label_forwarded = 0',
      )[0]?.n ?? -1;
    // A label resent with backoff waits up to a minute (the uploader's longest wait).
    await until(() => stored().length >= LABELS && unforwarded() === 0, 'every label stored', 120_000).catch(
      () => undefined,
    );
    const got = stored();
    const unique = new Set(got);
    const missing = ids.filter((id) => !unique.has(id));
    s.mark(`end: ${LABELS} posted, ${got.length} stored, ${missing.length} missing, ${unforwarded()} unforwarded`);
    expect({ missing, duplicated: got.length - unique.size, unforwarded: unforwarded() }, s.marks()).toEqual({
      missing: [],
      duplicated: 0,
      unforwarded: 0,
    });
  }, 420_000);
});
