/**
 * The whole stack on one machine with embedded defaults (README "Quick start"): train the housing
 * model, start the fleet with its embedded aedes broker, one gateway with its own broker, and N
 * devices. `outpost demo` runs it once and exits; `outpost start` keeps it up.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Logger } from '@outpost/protocol';
import { silentLogger } from '@outpost/protocol';
import { loadOrCreateKeyPair, trainHousing, type TrainResult } from '@outpost/trainer';
import { startFleet, type Fleet } from '@outpost/fleet';
import { startGateway, type Gateway } from '@outpost/gateway';
import { startDevice, type Device } from '@outpost/device';

/** The repository's copy of the housing data (trainer/datasets/california-housing/SOURCE.md). */
export const HOUSING_CSV = join(import.meta.dirname, '..', 'trainer', 'datasets', 'california-housing', 'housing.csv');

export interface StackOptions {
  dataDir: string;
  /** Fleet broker port (0 = any free port). */
  fleetPort?: number;
  /** Gateway broker port (0 = any free port). */
  gatewayPort?: number;
  /** First device HTTP port; device i listens on base + i (0 = any free port). */
  httpPortBase?: number;
  devices?: number;
  gatewayId?: string;
  seed?: number;
  windowRows?: number;
  logger?: Logger;
  onProgress?: (msg: string) => void;
}

export interface Stack {
  trained: TrainResult;
  fleet: Fleet;
  gateway: Gateway;
  devices: Device[];
  close(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.logger ?? silentLogger;
  const say = options.onProgress ?? (() => {});
  const gatewayId = options.gatewayId ?? 'site-1';
  const dir = (name: string): string => {
    const p = join(options.dataDir, name);
    mkdirSync(p, { recursive: true });
    return p;
  };
  const keys = loadOrCreateKeyPair(dir('keys'));

  say('training the housing model (baseline + ridge, 5-fold CV)…');
  const trained = await trainHousing({
    csvPath: HOUSING_CSV,
    outRoot: dir('firmware-models'),
    keys,
    seed: options.seed ?? 42,
    onProgress: say,
  });
  say(`built ${trained.name} v${trained.version} → ${trained.artifactDir}`);

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const fleet = await startFleet({
      dataDir: dir('fleet'),
      port: options.fleetPort ?? 0,
      publicKeyPem: keys.publicKeyPem,
      logger: log.child({ tier: 'fleet' }),
    });
    closers.push(() => fleet.close());
    const reg = await fleet.registerArtifact(trained.artifactDir);
    await fleet.assign(gatewayId, reg.name, reg.version);
    say(`fleet up at ${fleet.brokerUrl}; ${reg.name} v${reg.version} assigned to ${gatewayId}`);

    const gateway = await startGateway({
      id: gatewayId,
      dataDir: dir(`gateway-${gatewayId}`),
      upstreamUrl: fleet.brokerUrl,
      localPort: options.gatewayPort ?? 0,
      publicKeyPem: keys.publicKeyPem,
      logger: log.child({ tier: 'gateway', id: gatewayId }),
    });
    closers.push(() => gateway.close());
    say(`gateway ${gatewayId} up at ${gateway.localUrl}`);

    const devices: Device[] = [];
    const n = options.devices ?? 3;
    for (let i = 0; i < n; i++) {
      const id = `device-${i + 1}`;
      const base = options.httpPortBase ?? 0;
      const device = await startDevice({
        id,
        dataDir: dir(`device-${id}`),
        brokerUrl: gateway.localUrl,
        publicKeyPem: keys.publicKeyPem,
        httpPort: base === 0 ? 0 : base + i,
        ...(options.windowRows !== undefined ? { windowRows: options.windowRows } : {}),
        logger: log.child({ tier: 'device', id }),
      });
      closers.push(() => device.close());
      devices.push(device);
    }
    await Promise.all(devices.map((d) => d.waitForModel((m) => m.artifactId === reg.artifactId, 60_000)));
    say(`${n} devices converged on ${reg.name} v${reg.version}`);
    return { trained, fleet, gateway, devices, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
