/**
 * `@outpost/gateway`: the site service (docs/ARCHITECTURE.md). What other tiers, `bin/`, `stack/`,
 * `bench/`, `test/` and embedding programs call: the service and the types of its API, its error
 * codes, its store (to read a gateway's database offline) and its CLI commands. Everything else is
 * internal; gateway's own tests import it from its file.
 */
export { startGateway } from './gateway.ts';
export type { Gateway, GatewayOptions, GatewayStatusSnapshot } from './gateway.ts';
export { GatewayErrorCodes } from './errors.ts';
export type { GatewayErrorCode } from './errors.ts';
export type {
  GatewayStore,
  GatewayStoreOptions,
  CachedArtifact,
  KnownDevice,
  OutboxEntry,
  OutboxWrite,
  DeadLetter,
  StoredDeadLetter,
} from './store/gateway-store.ts';
export { openSqliteStore, GATEWAY_DB_FILE } from './store/sqlite-store.ts';
export { gatewayCommands } from './cli/index.ts';
export { parseGatewayArgs, type GatewayCliArgs } from './cli/gateway-args.ts';
// The artifact cache and the in-memory store, for embedders and benchmarks that run a cache alone.
export { createArtifactCache, type ArtifactCache, type ArtifactCacheOptions } from './artifact-cache.ts';
export { createMemoryStore } from './store/memory-store.ts';
// Identity: the devices' credential store, for the operator's commands (`outpost enroll-token`, `revoke`).
export { openGatewayCredentials, localServiceId } from './identity/gateway-identity.ts';
export { DEFAULT_MAX_DEVICES } from './reconcile.ts';
