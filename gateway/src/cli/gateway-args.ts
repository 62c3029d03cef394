import { readFileSync } from 'node:fs';
import { errorMessage, keyId } from '@outpost/protocol';
import {
  brokerUrlOption,
  idOption,
  intOption,
  portOption,
  readNodeCredentials,
  usageError,
  type NodeCredentials,
} from '@outpost/protocol/node';
import { DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORT, type GatewayOptions } from '../gateway.ts';

export interface GatewayCliArgs {
  id?: string;
  dataDir?: string;
  upstream?: string;
  port?: string;
  host?: string;
  publicKey?: string;
  logLevel?: string;
  enrollPort?: string;
  credentials?: string;
  upstreamCa?: string;
  tlsKey?: string;
  tlsCert?: string;
  maxPacketBytes?: string;
}

/**
 * Checks the command's arguments with the CLI kit's parsers; throws `CLI_ARGS` whose
 * `details.option` names the bad one (e.g. `--upstream`).
 */
export function parseGatewayArgs(args: GatewayCliArgs): Omit<GatewayOptions, 'logger' | 'clock'> {
  const required = (option: string, value: string | undefined, what: string): string => {
    if (value === undefined || value.trim() === '') throw usageError(option, `required (${what})`);
    return value;
  };
  const id = idOption('--id')(required('--id', args.id, 'the gateway id as the fleet knows it'));
  const dataDir = required('--data-dir', args.dataDir, 'folder for gateway.db and the artifact cache');
  const upstreamUrl = brokerUrlOption('--upstream')(
    required('--upstream', args.upstream, 'the fleet broker, e.g. mqtt://fleet:1883'),
  );
  const localPort = portOption('--port')(args.port ?? String(DEFAULT_LOCAL_PORT));
  const keyPath = required('--public-key', args.publicKey, 'the fleet signing public key, PEM');
  let publicKeyPem: string;
  try {
    publicKeyPem = readFileSync(keyPath, 'utf8');
  } catch (cause) {
    throw usageError('--public-key', `cannot read ${keyPath}: ${errorMessage(cause)}`, cause);
  }
  try {
    keyId(publicKeyPem);
  } catch (cause) {
    throw usageError('--public-key', `${keyPath} is not an ed25519 public key (PEM)`, cause);
  }
  const file = (option: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (cause) {
      throw usageError(option, `cannot read ${path}: ${errorMessage(cause)}`, cause);
    }
  };
  if ((args.tlsKey === undefined) !== (args.tlsCert === undefined))
    throw usageError('--tls-key', '--tls-key and --tls-cert go together');
  return {
    id,
    dataDir,
    upstreamUrl,
    localPort,
    localHost: args.host ?? DEFAULT_LOCAL_HOST,
    publicKeyPem,
    ...(args.enrollPort !== undefined ? { enrollPort: portOption('--enroll-port')(args.enrollPort) } : {}),
    ...(args.credentials !== undefined
      ? { credentials: readNodeCredentials(args.credentials, { expectId: id, required: true }) as NodeCredentials }
      : {}),
    ...(args.upstreamCa !== undefined ? { upstreamCa: file('--upstream-ca', args.upstreamCa) } : {}),
    ...(args.tlsKey !== undefined && args.tlsCert !== undefined
      ? {
          tls: {
            key: file('--tls-key', args.tlsKey),
            cert: file('--tls-cert', args.tlsCert),
          },
        }
      : {}),
    ...(args.maxPacketBytes !== undefined
      ? { maxPacketBytes: intOption('--max-packet-bytes', { min: 1024, max: 268_435_455 })(args.maxPacketBytes) }
      : {}),
  };
}
