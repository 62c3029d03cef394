/**
 * `@outpost/fleet`: the fleet service (docs/ARCHITECTURE.md). What other tiers, `bin/`, `stack/`,
 * `bench/`, `test/` and embedding programs call: the service and the types of its API, its error
 * codes, its store (to read a fleet's database offline) and its CLI commands. Everything else is
 * internal; fleet's own tests import it from its file.
 */
export { startFleet, FLEET_DB_FILE, type Fleet, type FleetOptions, type FleetStats } from './fleet.ts';
export { FleetErrorCodes, type FleetErrorCode } from './errors.ts';
export type { FleetStore, ArtifactRecord, TelemetryQuery, DeadLetter, DeadLetterInput } from './store/fleet-store.ts';
export { openSqliteStore } from './store/sqlite-store.ts';
export type { RegisteredArtifact } from './registry.ts';
export type { DriftReport, FeatureDrift, DriftStatus, DriftThresholds } from './drift/drift-report.ts';
export { fleetCommands } from './cli/index.ts';
// Identity: the gateways' credential store and the fleet's own broker credential, for the
// operator's commands (`outpost enroll-token`, `revoke`, `acl mosquitto`).
export { openFleetCredentials } from './identity/fleet-identity.ts';
export {
  loadOrCreateServiceCredential,
  SERVICE_CREDENTIALS_FILE,
  operatorClientId,
} from './identity/service-credential.ts';
// Rollout campaigns and groups (docs/ARCHITECTURE.md "Campaigns"): `fleet.campaigns` and `fleet.groups`
// take these; the operator API and the simulated-fleet benches call them.
export type { Campaign, CampaignState, CampaignTarget, Gates, GateResult, OnFail } from './campaign/campaign.ts';
export type { CampaignEvent, CampaignSpec, CampaignActionOptions } from './campaign/campaigns.ts';
export type { CampaignEngine } from './campaign/engine.ts';
export type { CampaignStatus } from './campaign/status.ts';
export { parseWaves } from './campaign/waves.ts';
export type { GroupStore, GroupEntry, GroupPin } from './groups/group-store.ts';
export { addToGroup, removeFromGroup, pinGroup, unpinGroup, type GroupActionOptions } from './groups/groups.ts';
// Campaigns in a fleet's database, read offline (tests and benches that run the fleet as a process).
export { openSqliteCampaignStore } from './campaign/sqlite-campaign-store.ts';
export type { CampaignStore } from './campaign/campaign-store.ts';
