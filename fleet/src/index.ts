/**
 * `@outpost/fleet`: the fleet service (docs/ARCHITECTURE.md). What other tiers, `bin/`, `stack/`,
 * `bench/`, `test/` and embedding programs call: the service and the types of its API, its error
 * codes, its store (to read a fleet's database offline) and its CLI commands. Everything else is
 * internal; fleet's own tests import it from its file.
 */
export { startFleet, FLEET_DB_FILE, type Fleet, type FleetOptions, type FleetStats } from './fleet.ts';
export { FleetErrorCodes, ApiErrorCodes, type FleetErrorCode, type ApiErrorCode } from './errors.ts';
export { MonitorErrorCodes, type MonitorErrorCode } from './monitor/errors.ts';
export { ReviewErrorCodes, type ReviewErrorCode } from './review/errors.ts';
export type { ReviewQueue } from './review/review-queue.ts';
export type { StoredReviewItem, ReviewState, ReviewQuery } from './review/review-store.ts';
// The operator API's seams: route modules of other parts, and the events they publish.
export type { RouteModule } from './http/api-server.ts';
export type { ApiContext, RouteSpec } from './http/route-kit.ts';
export type { FleetEvent, FleetEventInput, FleetEventListener } from './http/events.ts';
export type { OperatorToken, OperatorTokenStore } from './tokens/token-store.ts';
export type { Role } from './tokens/roles.ts';
export type { FleetStore, ArtifactRecord, TelemetryQuery, DeadLetter, DeadLetterInput } from './store/fleet-store.ts';
export { openSqliteStore } from './store/sqlite-store.ts';
export { listDevices, type DeviceEntry } from './inventory/inventory.ts';
export { memoryHealthReader, type Health, type HealthReader } from './inventory/health.ts';
export { healthReaderFor } from './inventory/sqlite-health-reader.ts';
export { openFleetDb, type FleetDb } from './store/fleet-db.ts';
export type { RegisteredArtifact } from './registry.ts';
export type { DriftReport, FeatureDrift, DriftStatus, DriftThresholds } from './drift/drift-report.ts';
export { fleetCommands } from './cli/index.ts';
// Monitoring (docs/MONITORING.md): what `fleet.monitor` is made of, for the dashboard's API and bench/.
export { createMonitor, type Monitor, type MonitorOptions, type PerformanceWithDrift } from './monitor/monitor.ts';
export { driftSeries, type DriftSeries, type DriftPoint, type DriftGrouping } from './monitor/drift-series.ts';
export { qualityReport, type QualityReport, type QualityFinding } from './monitor/quality.ts';
export { performanceReport, type PerformanceReport } from './monitor/performance.ts';
export { parseWindowSpec, type WindowSpec } from './monitor/windows.ts';
export {
  DEFAULT_QUALITY_THRESHOLDS,
  DEFAULT_ALERT_RULES,
  type MonitorSettings,
  type AlertRule,
} from './monitor/settings.ts';
export type { Alert, AlertState, JoinedLabel, MonitorStore } from './monitor/monitor-store.ts';
export { openSqliteMonitorStore } from './monitor/sqlite-monitor-store.ts';
export { createMemoryMonitorStore } from './monitor/memory-monitor-store.ts';
export { DEFAULT_DRIFT_THRESHOLDS } from './drift/drift-report.ts';
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
// Retraining, champion vs challenger (docs/MONITORING.md "Retraining"): the runs in a fleet's
// database, read offline. The run itself (which loads the trainer) is `outpost retrain`.
export { RetrainErrorCodes, type RetrainErrorCode } from './retrain/errors.ts';
export { openSqliteRetrainStore } from './retrain/sqlite-retrain-store.ts';
export type { RetrainRun, RetrainOutcome, RetrainTrigger } from './retrain/retrain-run.ts';
export type { RetrainRunStore } from './retrain/retrain-store.ts';
// Retraining in a running fleet: what `outpost fleet` wires (settings, the API's retrain-runs, the trigger).
export { openFleetRetrain, type FleetRetrain } from './retrain/fleet-retrain.ts';
export { retrainRoutes } from './http/routes/retrain.ts';
