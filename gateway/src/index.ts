/** `@outpost/gateway`: the site service (DESIGN.md §2). */
export { startGateway, DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORT } from './gateway.ts';
export type { Gateway, GatewayOptions, GatewayStatusSnapshot } from './gateway.ts';
export { createArtifactCache, ARTIFACTS_DIR } from './artifact-cache.ts';
export type { ArtifactCache, ArtifactCacheOptions } from './artifact-cache.ts';
export { createReconciler, deviceDesiredState } from './reconcile.ts';
export type { Reconciler, ReconcilerOptions, GatewayStatus } from './reconcile.ts';
export { createRelay } from './relay.ts';
export type { Relay, RelayOptions } from './relay.ts';
export { createDeadLetterSink } from './dead-letters.ts';
export type { DeadLetterSink } from './dead-letters.ts';
export { GatewayErrorCodes, gatewayError } from './errors.ts';
export type { GatewayErrorCode } from './errors.ts';
export type { GatewayStore, CachedArtifact, KnownDevice, OutboxEntry, DeadLetter } from './store/gateway-store.ts';
export { openSqliteStore, GATEWAY_DB_FILE } from './store/sqlite-store.ts';
export { createMemoryStore } from './store/memory-store.ts';
export { gatewayCommand, gatewayCommands } from './cli/index.ts';
export { parseGatewayArgs, type GatewayCliArgs } from './cli/gateway-args.ts';
