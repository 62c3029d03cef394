/**
 * `@outpost/protocol/node`: the Node I/O helpers every tier shares — the MQTT transport, the
 * artifact chunk server and fetcher, keys, the CLI kit (also alone as `@outpost/protocol/cli`,
 * which `--help` loads), the logger setup and the HTTP 5xx logging hook. Kept out of the main
 * entry so that the contracts themselves stay free of I/O. The embedded aedes broker is
 * `@outpost/protocol/broker`, so a device, which never runs a broker, never loads aedes.
 */
export * from './mqtt-transport.ts';
export * from './artifact-server.ts';
export * from './artifact-fetcher.ts';
export * from './keys.ts';
export * from './cli/index.ts';
export * from './logging.ts';
export * from './http-errors.ts';
export * from './artifact-folder.ts';
export * from './identity/errors.ts';
export * from './identity/secret-hash.ts';
export * from './identity/credential-store.ts';
export * from './identity/sqlite-credential-store.ts';
export * from './identity/enrollment.ts';
export * from './identity/credentials-file.ts';
export * from './identity/enroll-client.ts';
export * from './identity/broker-auth.ts';
export * from './identity/tier-identity.ts';
export * from './identity/enroll-node.ts';
export * from './identity/mosquitto.ts';
export { DEFAULT_MAX_PACKET_BYTES } from './packet-limit.ts';
