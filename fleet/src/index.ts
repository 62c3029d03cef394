export {
  startFleet,
  FLEET_DB_FILE,
  DEFAULT_FLEET_CLIENT_ID,
  type Fleet,
  type FleetOptions,
  type FleetStats,
} from './fleet.ts';
export { FleetErrorCodes, type FleetErrorCode } from './errors.ts';
export type { FleetStore, ArtifactRecord, TelemetryQuery, DeadLetter, DeadLetterInput } from './store/fleet-store.ts';
export { openSqliteStore } from './store/sqlite-store.ts';
export { createMemoryStore } from './store/memory-store.ts';
export {
  registerArtifact,
  readArtifactFolder,
  createArtifactReader,
  artifactDir,
  type RegistryDeps,
  type RegisteredArtifact,
} from './registry.ts';
export { assign, nextDesiredState, publishDesired, type DesiredStateDeps } from './desired-state.ts';
export { routeIngestion, dispatch, deadLetter, ingestHandlers } from './ingest/dispatcher.ts';
export type { IngestHandler, IngestContext, IngestCounters } from './ingest/handler.ts';
export { psi, jensenShannon, PSI_EPSILON } from './drift/psi.ts';
export {
  driftReport,
  modelDrift,
  DEFAULT_DRIFT_THRESHOLDS,
  type DriftReport,
  type FeatureDrift,
  type DriftStatus,
  type DriftThresholds,
  type DriftOptions,
} from './drift/drift-report.ts';
export { fleetCommands } from './cli/index.ts';
