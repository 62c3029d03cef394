/**
 * The whole stack on one machine with embedded defaults (README "Quick start"): the fleet with its
 * embedded aedes broker, one gateway with its own broker, and N devices, running a committed signed
 * build (stack/model.ts). `outpost demo` runs it once and exits; `outpost start` keeps it up.
 *
 * Restartable on the same data dir: the build is registered only when the fleet does not hold it
 * yet, and assigned only when the gateway's desired state does not already name it, so a restart
 * changes nothing in the registry; versions an operator registered or assigned meanwhile are left
 * as they are (the stack's own model is put back on the gateway if they replaced it).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@outpost/protocol';
import { silentLogger } from '@outpost/protocol';
import { ensureEnrolled } from '@outpost/protocol/node';
import { startFleet, type Fleet } from '@outpost/fleet';
import { startGateway, type Gateway } from '@outpost/gateway';
import { startDevice, type Device } from '@outpost/device';
import { loadStackModel, type StackModel, type StackModelChoice } from './model.ts';

export interface StackOptions {
  dataDir: string;
  /** Fleet broker port (0 = any free port). */
  fleetPort?: number;
  /** Gateway broker port (0 = any free port). */
  gatewayPort?: number;
  /** First device HTTP port; device i listens on base + i (0 = any free port). */
  httpPortBase?: number;
  /** The fleet's operator API and dashboard port (0 = any free port; absent: not served). */
  apiPort?: number;
  devices?: number;
  gatewayId?: string;
  windowRows?: number;
  /** The committed build to run (default stack/model.ts DEFAULT_STACK_MODEL). */
  model?: StackModelChoice;
  logger?: Logger;
  onProgress?: (msg: string) => void;
}

/** The artifact the stack runs, as the fleet holds it. */
export interface RunningModel {
  name: string;
  version: number;
  artifactId: string;
  manifest: StackModel['manifest'];
}

export interface Stack {
  model: RunningModel;
  /** Held-out rows for the devices to replay, narrowed to the model's inputs. */
  rows: StackModel['rows'];
  fleet: Fleet;
  gateway: Gateway;
  devices: Device[];
  close(): Promise<void>;
}

/**
 * The fleet holds `build` as `name vN`: registered now, or already (a restart); when an operator
 * registered another artifact under that version, that one is run and the stack says so.
 */
async function ensureRegistered(fleet: Fleet, build: StackModel, say: (m: string) => void): Promise<RunningModel> {
  const { name, version } = build.manifest;
  const held = fleet.store.findArtifact(name, version);
  if (!held) {
    await fleet.registerArtifact(build.dir);
    say(`registered ${name} v${version} (${build.artifactId.slice(0, 12)}) from ${build.dir}`);
    return { name, version, artifactId: build.artifactId, manifest: build.manifest };
  }
  if (held.artifactId === build.artifactId) say(`${name} v${version} already registered: reusing it`);
  else
    say(
      `${name} v${version} is registered as ${held.artifactId.slice(0, 12)}, not the committed ` +
        `${build.artifactId.slice(0, 12)}: running the registered one`,
    );
  return { name, version, artifactId: held.artifactId, manifest: held.manifest };
}

/** The gateway's desired state names `model` for every device: already, or assigned now. */
async function ensureAssigned(
  fleet: Fleet,
  gatewayId: string,
  model: RunningModel,
  say: (m: string) => void,
): Promise<void> {
  const current = fleet.store.getDesired(gatewayId)?.models.find((m) => m.name === model.name && !m.devices);
  if (current?.artifactId === model.artifactId) {
    say(`${model.name} v${model.version} already assigned to ${gatewayId}`);
    return;
  }
  // Before the gateway first connects (pre-provisioning): the stack starts it right after.
  await fleet.assign(gatewayId, model.name, model.version, undefined, { allowUnknown: true, actor: 'outpost-stack' });
  say(`assigned ${model.name} v${model.version} to ${gatewayId}` + (current ? ` (it had v${current.version})` : ''));
}

/** Enrols a device at the stack's gateway unless its data dir already holds its credentials. */
export async function enrollDevice(gateway: Gateway, id: string, dataDir: string): Promise<void> {
  await ensureEnrolled({
    id,
    dataDir,
    enrollUrl: gateway.enrollUrl as string,
    createToken: (d) => gateway.createEnrollToken(d),
  });
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
  const build = await loadStackModel(options.model);
  const publicKeyPem = build.publicKeyPem;

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    const fleet = await startFleet({
      dataDir: dir('fleet'),
      port: options.fleetPort ?? 0,
      enrollPort: 0,
      ...(options.apiPort !== undefined ? { apiPort: options.apiPort } : {}),
      publicKeyPem,
      logger: log.child({ tier: 'fleet' }),
    });
    closers.push(() => fleet.close());
    say(`fleet up at ${fleet.brokerUrl}`);
    const model = await ensureRegistered(fleet, build, say);
    await ensureAssigned(fleet, gatewayId, model, say);

    // First start: the stack enrols its gateway and devices itself (docs/SECURITY.md "Identity").
    const gatewayDir = dir(`gateway-${gatewayId}`);
    await ensureEnrolled({
      id: gatewayId,
      dataDir: gatewayDir,
      enrollUrl: fleet.enrollUrl as string,
      createToken: (id) => fleet.createEnrollToken(id),
    });
    const gateway = await startGateway({
      id: gatewayId,
      dataDir: gatewayDir,
      upstreamUrl: fleet.brokerUrl,
      localPort: options.gatewayPort ?? 0,
      enrollPort: 0,
      publicKeyPem,
      fleetKeyPem: fleet.intentPublicKeyPem,
      logger: log.child({ tier: 'gateway', id: gatewayId }),
    });
    closers.push(() => gateway.close());
    say(`gateway ${gatewayId} up at ${gateway.localUrl}`);

    const devices: Device[] = [];
    const n = options.devices ?? 3;
    for (let i = 0; i < n; i++) {
      const id = `device-${i + 1}`;
      const base = options.httpPortBase ?? 0;
      const deviceDir = dir(`device-${id}`);
      await enrollDevice(gateway, id, deviceDir);
      const device = await startDevice({
        id,
        dataDir: deviceDir,
        brokerUrl: gateway.localUrl,
        publicKeyPem,
        fleetKeyPem: fleet.intentPublicKeyPem,
        gatewayId,
        httpPort: base === 0 ? 0 : base + i,
        ...(options.windowRows !== undefined ? { windowRows: options.windowRows } : {}),
        logger: log.child({ tier: 'device', id }),
      });
      closers.push(() => device.close());
      devices.push(device);
    }
    await Promise.all(devices.map((d) => d.waitForModel((m) => m.artifactId === model.artifactId, 60_000)));
    say(`${n} devices run ${model.name} v${model.version}`);
    return { model, rows: build.rows, fleet, gateway, devices, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
