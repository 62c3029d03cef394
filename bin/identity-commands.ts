/**
 * The identity commands of the `outpost` CLI (docs/SECURITY.md "Identity"): `enroll-token create`
 * and `revoke` for the operator, `enroll` for a node, `acl mosquitto` for an external broker.
 * Definitions only: each action loads the tier it needs (the fleet for gateways' credentials, the
 * gateway for devices'), so a host with one tier installed can run the commands for that tier.
 */
import { Command, Option } from 'commander';
import {
  commandAction,
  durationOption,
  idOption,
  portOption,
  processContext,
  usageError,
  type CommandContext,
} from '@outpost/protocol/cli';

type Tier = { gateway?: string; device?: string };

function pickNode(opts: Tier): { kind: 'gateway' | 'device'; id: string } {
  if ((opts.gateway === undefined) === (opts.device === undefined))
    throw usageError('--gateway', 'give exactly one of --gateway <id> (at the fleet) or --device <id> (at a gateway)');
  return opts.gateway !== undefined
    ? { kind: 'gateway', id: opts.gateway }
    : { kind: 'device', id: opts.device as string };
}

async function openStore(kind: 'gateway' | 'device', dataDir: string) {
  const { existsSync } = await import('node:fs');
  if (!existsSync(dataDir)) throw usageError('--data-dir', `${dataDir} does not exist`);
  if (kind === 'gateway') {
    const { openFleetCredentials } = await import('@outpost/fleet');
    return openFleetCredentials(dataDir);
  }
  const { openGatewayCredentials } = await import('@outpost/gateway');
  return { store: openGatewayCredentials(dataDir) };
}

function enrollTokenCommand(ctx: CommandContext): Command {
  const create = new Command('create')
    .description('create a one-time enrolment token for a gateway (at the fleet) or a device (at its gateway)')
    .option('--gateway <id>', 'the gateway to enrol; --data-dir is the fleet data folder', idOption('--gateway'))
    .option('--device <id>', 'the device to enrol; --data-dir is its gateway data folder', idOption('--device'))
    .requiredOption('--data-dir <dir>', 'the data folder of the tier the node enrols at')
    .option(
      '--ttl <duration>',
      'how long the token is valid (e.g. 15m, 24h)',
      durationOption('--ttl', { min: 1000 }),
      24 * 3600_000,
    )
    .action(
      commandAction(ctx, async (opts: Tier & { dataDir: string; ttl: number }) => {
        const node = pickNode(opts);
        const { resolve } = await import('node:path');
        const { createEnrollToken } = await import('@outpost/protocol/node');
        const { store } = await openStore(node.kind, resolve(opts.dataDir));
        try {
          const t = createEnrollToken(store, node.id, { now: Date.now(), ttlMs: opts.ttl, kind: node.kind });
          ctx.io.out(t.token);
          ctx.io.err(
            `token for ${node.kind} ${node.id}, single use, valid until ${new Date(t.expiresAt).toISOString()}`,
          );
        } finally {
          store.close();
        }
      }),
    );
  return new Command('enroll-token').description('manage enrolment tokens').addCommand(create);
}

function enrollCommand(ctx: CommandContext): Command {
  return new Command('enroll')
    .description('enrol this node: trade a one-time token for its credentials, written to its data folder (0600)')
    .option('--fleet <url>', "a gateway enrols at the fleet's enrol endpoint (http(s)://host:port)")
    .option('--gateway <url>', "a device enrols at its gateway's enrol endpoint (http(s)://host:port)")
    .requiredOption('--token <token>', 'the one-time token from `outpost enroll-token create`')
    .requiredOption('--data-dir <dir>', "this node's data folder")
    .option('--ca <file>', 'PEM of the CA that signed the endpoint certificate (https)')
    .action(
      commandAction(
        ctx,
        async (opts: { fleet?: string; gateway?: string; token: string; dataDir: string; ca?: string }) => {
          if ((opts.fleet === undefined) === (opts.gateway === undefined))
            throw usageError('--fleet', 'give exactly one of --fleet <url> (a gateway) or --gateway <url> (a device)');
          const url = (opts.fleet ?? opts.gateway) as string;
          if (!/^https?:\/\//.test(url))
            throw usageError(opts.fleet ? '--fleet' : '--gateway', `must be http:// or https://, got ${url}`);
          const { readFileSync } = await import('node:fs');
          const { resolve, join } = await import('node:path');
          const { enrollNode, CREDENTIALS_FILE } = await import('@outpost/protocol/node');
          const dataDir = resolve(opts.dataDir);
          const creds = await enrollNode({
            url,
            token: opts.token,
            dataDir,
            ...(opts.ca !== undefined ? { ca: readFileSync(opts.ca) } : {}),
          });
          ctx.io.out(`enrolled ${creds.id}; credentials in ${join(dataDir, CREDENTIALS_FILE)}`);
        },
      ),
    );
}

/** A revoked gateway's devices may be relayed by another gateway (docs/SECURITY.md "Broker access"). */
async function releaseGatewayDevices(fleetDataDir: string, gatewayId: string): Promise<void> {
  const { join } = await import('node:path');
  const { FLEET_DB_FILE, openSqliteStore } = await import('@outpost/fleet');
  const fleetStore = openSqliteStore(join(fleetDataDir, FLEET_DB_FILE));
  try {
    fleetStore.releaseGatewayDevices(gatewayId);
  } finally {
    fleetStore.close();
  }
}

function revokeCommand(ctx: CommandContext): Command {
  return new Command('revoke')
    .description(
      "remove a gateway's (at the fleet) or device's (at its gateway) credentials; a running tier disconnects it within a second",
    )
    .addArgument(new Command().createArgument('<kind>', 'gateway or device').choices(['gateway', 'device']))
    .argument('<id>', 'the node id', idOption('id'))
    .requiredOption('--data-dir <dir>', 'the fleet data folder (gateway) or the gateway data folder (device)')
    .action(
      commandAction(ctx, async (kind: 'gateway' | 'device', id: string, opts: { dataDir: string }) => {
        const { resolve } = await import('node:path');
        const { revokeCredentials } = await import('@outpost/protocol/node');
        const dataDir = resolve(opts.dataDir);
        const { store } = await openStore(kind, dataDir);
        try {
          revokeCredentials(store, id);
          if (kind === 'gateway') await releaseGatewayDevices(dataDir, id);
          ctx.io.out(`revoked ${kind} ${id}`);
        } finally {
          store.close();
        }
      }),
    );
}

function aclCommand(ctx: CommandContext): Command {
  const mosquitto = new Command('mosquitto')
    .description("write a mosquitto password file, ACL file and configuration from a tier's credentials")
    .addOption(
      new Option('--tier <tier>', 'fleet: gateways on the fleet broker; gateway: devices on a site broker')
        .choices(['fleet', 'gateway'])
        .default('fleet'),
    )
    .option('--gateway-id <id>', 'with --tier gateway: the gateway whose site this is', idOption('--gateway-id'))
    .requiredOption('--data-dir <dir>', "the tier's data folder")
    .requiredOption('--out <dir>', 'where to write passwd, acl and mosquitto.conf')
    .option('--port <n>', 'listener port written to mosquitto.conf', portOption('--port'), 1883)
    .action(
      commandAction(
        ctx,
        async (opts: { tier: 'fleet' | 'gateway'; gatewayId?: string; dataDir: string; out: string; port: number }) =>
          (await import('./identity-acl.ts')).writeMosquittoFiles(opts, ctx),
      ),
    );
  return new Command('acl').description('broker access files for an external broker').addCommand(mosquitto);
}

/** The identity commands, fresh instances for the root program. */
export function identityCommands(context: Partial<CommandContext> = {}): Command[] {
  const ctx: CommandContext = { ...processContext, ...context };
  return [enrollTokenCommand(ctx), enrollCommand(ctx), revokeCommand(ctx), aclCommand(ctx)];
}
