/**
 * `@outpost/protocol/node`: the Node I/O helpers every tier shares — the MQTT transport and the
 * artifact chunk server and fetcher. Kept out of the main entry so that the contracts themselves
 * stay free of I/O. The embedded aedes broker is `@outpost/protocol/broker`, so a device, which
 * never runs a broker, never loads aedes.
 */
export * from './mqtt-transport.ts';
export * from './artifact-server.ts';
export * from './artifact-fetcher.ts';
export * from './keys.ts';
