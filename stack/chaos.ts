import { mulberry32 } from '@outpost/protocol';
/**
 * A chaos run over a whole stack of real processes (test/fault/chaos.test.ts for CI, bench/chaos.ts
 * for long runs): random SIGKILLs of the fleet, the gateway and the devices — some right after a
 * restart, while outboxes drain — read-only data dirs for seconds, and a model switch (occupancy v1
 * → v2, both committed builds) in the middle. At the end the devices stop creating windows, every
 * outbox drains, and the report counts windows created (each device's seq) against windows stored
 * at the fleet, and checks every device runs the new model.
 */
import { join } from 'node:path';
import { loadStackModel, type StackModelChoice } from './model.ts';
import { sleep } from './processes.ts';
import { makeReadOnly } from './read-only.ts';
import { between, startFaultStack, until, type FaultStack } from './fault-stack.ts';

const ROWS_CSV = 'trainer/datasets/occupancy-detection/datatest2.csv';
export const CHAOS_FIRST_MODEL: StackModelChoice = { name: 'occupancy', version: 1, rowsCsv: ROWS_CSV };
export const CHAOS_SECOND_MODEL: StackModelChoice = { name: 'occupancy', version: 2, rowsCsv: ROWS_CSV };

export interface ChaosOptions {
  durationMs: number;
  /** Simulated devices, each its own process (default 2). */
  devices?: number;
  /** Rows per second each device replays (default 100). */
  rate?: number;
  /** Seed of the action sequence (default 1). */
  seed?: number;
  /** Progress lines (a CLI prints them). */
  log?: (line: string) => void;
}

export type ChaosAction =
  'kill-fleet' | 'kill-gateway' | 'kill-device' | 'read-only-fleet' | 'read-only-gateway' | 'read-only-device';

const ACTIONS: ChaosAction[] = [
  'kill-fleet',
  'kill-gateway',
  'kill-device',
  'read-only-fleet',
  'read-only-gateway',
  'read-only-device',
];

export interface DeviceOutcome {
  device: string;
  created: number;
  stored: number;
  lost: number;
  duplicated: number;
  model: { version: number; artifactId: string } | null;
  /** Runs the second model's verified artifact (the one the fleet registered after checking its signature). */
  onVerifiedModel: boolean;
}

export interface ChaosReport {
  durationMs: number;
  seed: number;
  actions: Record<ChaosAction, number>;
  /** Kills that came 0.1–0.6 s after the tier's restart, while its outbox (or its peers') drained. */
  killsDuringDrain: number;
  modelSwitchAtMs: number | null;
  created: number;
  stored: number;
  lost: number;
  duplicated: number;
  devices: DeviceOutcome[];
  /** Milliseconds from the end of the chaos until every outbox was empty. */
  settleMs: number;
}

/** A seeded generator (mulberry32), so a failing run can be replayed. */
export const seeded = (seed: number): (() => number) => mulberry32(seed);

export async function runChaos(o: ChaosOptions): Promise<{ report: ChaosReport; stack: FaultStack }> {
  const seed = o.seed ?? 1;
  const random = seeded(seed);
  const log = o.log ?? (() => undefined);
  const ids = Array.from({ length: o.devices ?? 2 }, (_v, i) => `dev-${i + 1}`);
  const stack = await startFaultStack(
    ids.map((id) => ({ id, rows: 2000, rate: o.rate ?? 100, windowRows: 20, windowMs: 500, loop: true })),
    { model: CHAOS_FIRST_MODEL, gatewayLogLevel: 'warn' },
  );
  const second = await loadStackModel(CHAOS_SECOND_MODEL);
  const actions = Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<ChaosAction, number>;
  let killsDuringDrain = 0;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const t0 = Date.now();
  let switchedAt: number | null = null;

  const restartAfterKill = async (kill: () => Promise<void>, start: () => Promise<unknown>): Promise<void> => {
    await kill();
    await sleep(between(0, 1000, random));
    await start();
    // Half the time, killed again while it (or the tier below) drains its backlog.
    if (random() < 0.5) {
      await sleep(between(100, 600, random));
      await kill();
      killsDuringDrain++;
      await sleep(between(0, 500, random));
      await start();
    }
  };
  const readOnly = async (paths: string[]): Promise<void> => {
    const undo = makeReadOnly(paths);
    try {
      await sleep(between(1000, 3000, random));
    } finally {
      undo();
    }
  };
  const act = async (a: ChaosAction): Promise<void> => {
    actions[a]++;
    log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${a}`);
    stack.mark(a);
    const db = (dir: string, file: string): string[] => [join(dir, file), join(dir, `${file}-wal`), dir];
    if (a === 'kill-fleet') await restartAfterKill(stack.killFleet, stack.startFleet);
    else if (a === 'kill-gateway') await restartAfterKill(stack.killGateway, stack.startGateway);
    else if (a === 'kill-device') {
      const id = pick(ids);
      await restartAfterKill(
        () => stack.killDevice(id),
        () => stack.startDevice(id),
      );
    } else if (a === 'read-only-fleet') await readOnly(db(stack.fleetDir, 'fleet.db'));
    else if (a === 'read-only-gateway') await readOnly(db(stack.gatewayDir, 'gateway.db'));
    else await readOnly([join(stack.deviceDir(pick(ids)), 'outbox')]);
  };

  // Every kind of fault once (in a seeded order, even past the duration), then at random until the
  // time is up; the model switch comes at 40 % of the run.
  const queue = [...ACTIONS].sort(() => random() - 0.5);
  while (queue.length > 0 || Date.now() - t0 < o.durationMs) {
    if (switchedAt === null && Date.now() - t0 >= o.durationMs * 0.4) {
      switchedAt = Date.now() - t0;
      log(`${(switchedAt / 1000).toFixed(1)}s assign occupancy v2`);
      stack.mark('assign v2');
      await stack.registerAndAssign(second);
    }
    await act(queue.shift() ?? pick(ACTIONS));
    await sleep(between(500, 2500, random));
  }
  if (switchedAt === null) {
    switchedAt = Date.now() - t0;
    await stack.registerAndAssign(second);
  }

  // Settle: every device on the new model, then no more windows created, then every outbox drained.
  const settleStart = Date.now();
  const modelOf = async (id: string): Promise<{ version: number; artifactId: string } | null> => {
    try {
      const r = await fetch(`${stack.deviceUrl(id)}/model`);
      return r.ok ? ((await r.json()) as { version: number; artifactId: string }) : null;
    } catch {
      return null;
    }
  };
  for (const id of ids) {
    const deadline = Date.now() + 120_000;
    while ((await modelOf(id))?.artifactId !== second.artifactId && Date.now() < deadline) await sleep(250);
  }
  for (const id of ids) {
    await stack.killDevice(id);
    await stack.startDevice(id, { replay: false });
  }
  stack.mark('devices stopped creating');
  await until(
    () => ids.every((id) => stack.exactlyOnce(id).missing.length === 0 && stack.deviceOutbox(id).length === 0),
    'every outbox drained',
    180_000,
  ).catch(() => undefined);
  const settleMs = Date.now() - settleStart;

  const devices: DeviceOutcome[] = [];
  for (const id of ids) {
    const r = stack.exactlyOnce(id);
    const model = await modelOf(id);
    devices.push({
      device: id,
      created: r.created,
      stored: r.stored,
      lost: r.missing.length,
      duplicated: r.stored - r.unique,
      model: model ? { version: model.version, artifactId: model.artifactId } : null,
      onVerifiedModel: model?.artifactId === second.artifactId && model.version === second.manifest.version,
    });
  }
  const sum = (f: (d: DeviceOutcome) => number): number => devices.reduce((s, d) => s + f(d), 0);
  stack.mark(`end: ${sum((d) => d.created)} created, ${sum((d) => d.stored)} stored, ${sum((d) => d.lost)} lost`);
  return {
    stack,
    report: {
      durationMs: o.durationMs,
      seed,
      actions,
      killsDuringDrain,
      modelSwitchAtMs: switchedAt,
      created: sum((d) => d.created),
      stored: sum((d) => d.stored),
      lost: sum((d) => d.lost),
      duplicated: sum((d) => d.duplicated),
      devices,
      settleMs,
    },
  };
}
