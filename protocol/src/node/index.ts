/**
 * `@outpost/protocol/node`: the Node I/O helpers every tier shares — the MQTT transport, the
 * embedded aedes broker, and the artifact chunk server and fetcher. Kept out of the main entry so
 * that the contracts themselves stay free of I/O.
 */
export * from './mqtt-transport.ts';
export * from './embedded-broker.ts';
export * from './artifact-server.ts';
export * from './artifact-fetcher.ts';
