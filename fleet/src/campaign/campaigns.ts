import { userInfo } from 'node:os';
import { assertId, assignmentFor, type Clock } from '@outpost/protocol';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import type { GroupStore } from '../groups/group-store.ts';
import { pinsOf } from '../groups/group-store.ts';
import { knownDevices } from '../groups/groups.ts';
import { devicesOf, gatewayOf } from '../intent/outcome.ts';
import type { FleetStore } from '../store/fleet-store.ts';
import {
  DEFAULT_GATES,
  isFinal,
  type Campaign,
  type CampaignState,
  type CampaignTarget,
  type Gates,
  type GateResult,
  type OnFail,
  type PreviousAssignment,
  type SkippedDevice,
  type WaveStep,
} from './campaign.ts';
import type { CampaignStore } from './campaign-store.ts';
import { planWaves } from './waves.ts';

/** One campaign transition, as the engine's `onEvent` hook receives it (docs/ARCHITECTURE.md "Campaigns"). */
export interface CampaignEvent {
  campaign: string;
  at: string;
  /** start, wave-start, soak, wave-passed, gate-failed, pause, resume, abort, rolled-back, done, or `changed` (seen in the store, made by another process). */
  action: string;
  from: CampaignState | null;
  to: CampaignState;
  /** The wave the campaign is at (0-based). */
  wave: number;
  actor: string;
  reason?: string;
  gates?: GateResult[];
}

export interface CampaignDeps {
  campaigns: CampaignStore;
  groups: GroupStore;
  store: FleetStore;
  clock: Clock;
  onEvent?: (event: CampaignEvent) => void;
}

export interface CampaignActionOptions {
  /** Who (kept in the audit log); default the OS user name. */
  actor?: string;
  reason?: string;
}

export interface CampaignSpec {
  model: string;
  version: number;
  target: CampaignTarget;
  steps: WaveStep[];
  canary?: string[];
  gates?: Partial<Gates>;
  onFail?: OnFail;
  /** Orders devices into waves; default the campaign id. */
  seed?: string;
}

/** The actor of the engine's own transitions in the audit log. */
export const ENGINE_ACTOR = 'campaign-engine';

const defaultActor = (): string => process.env.USER ?? process.env.LOGNAME ?? userInfo().username;
const iso = (clock: Clock): string => new Date(clock.now()).toISOString();

/**
 * Stores a change of campaign `c` (read at `c.rev`) as a compare-and-set, then writes the audit log
 * entry and calls `onEvent`; undefined when another writer changed the campaign first (nothing is
 * recorded then; the caller reads it again).
 */
export function transition(
  deps: CampaignDeps,
  c: Campaign,
  next: Campaign,
  action: string,
  o: CampaignActionOptions & { gates?: GateResult[]; details?: Record<string, unknown> } = {},
): Campaign | undefined {
  const at = iso(deps.clock);
  const stored = deps.campaigns.update({ ...next, updatedAt: at }, c.rev);
  if (!stored) return undefined;
  const actor = o.actor ?? defaultActor();
  deps.store.addAudit({
    at,
    actor,
    action: `campaign.${action}`,
    target: c.id,
    model: c.model,
    version: c.version,
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    details: {
      from: c.state,
      to: stored.state,
      wave: stored.current,
      ...(o.gates ? { gates: o.gates } : {}),
      ...o.details,
    },
  });
  deps.onEvent?.({
    campaign: c.id,
    at,
    action,
    from: c.state,
    to: stored.state,
    wave: stored.current,
    actor,
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    ...(o.gates ? { gates: o.gates } : {}),
  });
  return stored;
}

export function getCampaign(deps: Pick<CampaignDeps, 'campaigns'>, id: string): Campaign {
  const c = deps.campaigns.get(id);
  if (!c) throw fleetError(FleetErrorCodes.UNKNOWN_CAMPAIGN, `no campaign ${id}`, { id });
  return c;
}

/** The devices a target names, with the gateway each belongs to (devices without one are skipped). */
function resolveTarget(
  store: FleetStore,
  groups: GroupStore,
  target: CampaignTarget,
): { devices: { device: string; gateway: string }[]; skipped: SkippedDevice[] } {
  let ids: string[];
  if (target.kind === 'fleet') ids = [...knownDevices(store)];
  else if (target.kind === 'site') {
    assertId('gateway', target.gateway);
    ids = devicesOf(store, target.gateway);
    if (ids.length === 0 && !store.listReported().some((r) => r.source === target.gateway)) {
      throw fleetError(FleetErrorCodes.UNKNOWN_GATEWAY, `the fleet has never heard from gateway ${target.gateway}`, {
        gateway: target.gateway,
      });
    }
  } else if (target.kind === 'group') {
    assertId('group', target.group);
    ids = groups.members(target.group);
    if (ids.length === 0)
      throw fleetError(FleetErrorCodes.NOT_IN_GROUP, `no group ${target.group}`, { group: target.group });
  } else {
    const known = knownDevices(store);
    const unknown = target.devices.filter((d) => !known.has(assertId('device', d)));
    if (unknown.length > 0) {
      throw fleetError(FleetErrorCodes.UNKNOWN_DEVICE, `the fleet does not know device ${unknown.join(', ')}`, {
        devices: unknown,
      });
    }
    ids = [...new Set(target.devices)];
  }
  const devices: { device: string; gateway: string }[] = [];
  const skipped: SkippedDevice[] = [];
  for (const device of ids.sort()) {
    const gateway = target.kind === 'site' ? target.gateway : gatewayOf(store, device);
    if (gateway === undefined) skipped.push({ device, reason: 'no-gateway' });
    else devices.push({ device, gateway });
  }
  return { devices, skipped };
}

function validGates(g: Gates): Gates {
  const bad = (what: string): never => {
    throw fleetError(FleetErrorCodes.CAMPAIGN_INVALID, `gate ${what} is out of range`, { gate: what });
  };
  if (!(g.installSuccessMin >= 0 && g.installSuccessMin <= 1)) bad('install-success');
  if (!(Number.isInteger(g.smokeFailuresMax) && g.smokeFailuresMax >= 0)) bad('smoke-failures');
  if (g.errorRateMax !== undefined && !(g.errorRateMax >= 0 && g.errorRateMax <= 1)) bad('error-rate');
  if (g.p95RatioMax !== undefined && !(g.p95RatioMax > 0)) bad('p95-latency');
  if (g.predictionPsiMax !== undefined && !(g.predictionPsiMax >= 0)) bad('prediction-psi');
  if (g.predictionMinRows !== undefined && !(Number.isInteger(g.predictionMinRows) && g.predictionMinRows >= 1))
    bad('prediction-min-rows');
  if (!(g.soakMs >= 0) || !(g.installTimeoutMs > 0)) bad('soak');
  return g;
}

/**
 * Plans and stores a campaign (docs/OPERATIONS.md "Campaigns"), `pending` until the fleet's engine
 * starts its first wave. Devices pinned to a version of the model by a group, and devices already
 * assigned this version or a newer one, are skipped and listed. Refuses an unregistered or
 * withdrawn version, unknown targets, canary devices outside the target, a campaign with no
 * device to update, and a second campaign of a model while one is not finished (OUTPOST_ERR_CAMPAIGN_INVALID).
 */
export function createCampaign(deps: CampaignDeps, spec: CampaignSpec, o: CampaignActionOptions = {}): Campaign {
  assertId('model', spec.model);
  const artifact = deps.store.findArtifact(spec.model, spec.version);
  if (!artifact) {
    throw fleetError(
      FleetErrorCodes.VERSION_NOT_REGISTERED,
      `no registered artifact for ${spec.model} v${spec.version}`,
      {
        name: spec.model,
        version: spec.version,
      },
    );
  }
  if (artifact.withdrawnAt !== undefined) {
    throw fleetError(FleetErrorCodes.VERSION_WITHDRAWN, `${spec.model} v${spec.version} was withdrawn`, {
      name: spec.model,
      version: spec.version,
    });
  }
  const running = deps.campaigns.list().find((c) => c.model === spec.model && !isFinal(c.state));
  if (running) {
    throw fleetError(
      FleetErrorCodes.CAMPAIGN_INVALID,
      `campaign ${running.id} of ${spec.model} is ${running.state}; finish or abort it first (one campaign per model at a time)`,
      { active: running.id },
    );
  }
  const gates = validGates({ ...DEFAULT_GATES, ...spec.gates });
  const { devices, skipped } = resolveTarget(deps.store, deps.groups, spec.target);
  const eligible: { device: string; gateway: string; previous: PreviousAssignment | null }[] = [];
  for (const d of devices) {
    const pin = pinsOf(deps.groups, d.device, spec.model)[0];
    if (pin) {
      skipped.push({ device: d.device, reason: 'pinned', detail: `group ${pin.group} pins v${pin.version}` });
      continue;
    }
    const desired = deps.store.getDesired(d.gateway);
    const a = desired ? assignmentFor(desired, d.device) : undefined;
    if (a?.name === spec.model && a.version >= spec.version) {
      skipped.push({ device: d.device, reason: 'at-version', detail: `assigned v${a.version}` });
      continue;
    }
    eligible.push({
      ...d,
      previous: a ? { name: a.name, version: a.version, override: a.devices !== undefined } : null,
    });
  }
  const canary = spec.canary?.length ? [...new Set(spec.canary)] : undefined;
  const outside = (canary ?? []).filter((d) => !eligible.some((e) => e.device === d));
  if (outside.length > 0) {
    throw fleetError(
      FleetErrorCodes.CAMPAIGN_INVALID,
      `canary device ${outside.join(', ')} is not an updatable device of the target`,
      { canary: outside },
    );
  }
  if (eligible.length === 0) {
    throw fleetError(FleetErrorCodes.CAMPAIGN_INVALID, 'no device of the target is left to update', {
      skipped: skipped.length,
    });
  }
  const id = `${spec.model}-v${spec.version}-${deps.campaigns.list().length + 1}`;
  const seed = spec.seed ?? id;
  const byId = new Map(eligible.map((e) => [e.device, e]));
  const planned = planWaves(
    eligible.map((e) => e.device),
    spec.steps,
    seed,
    canary,
  );
  const at = iso(deps.clock);
  const actor = o.actor ?? defaultActor();
  const campaign: Campaign = {
    id,
    model: spec.model,
    version: spec.version,
    artifactId: artifact.artifactId,
    target: spec.target,
    steps: spec.steps,
    ...(canary ? { canary } : {}),
    gates,
    onFail: spec.onFail ?? 'pause',
    seed,
    state: 'pending',
    current: 0,
    waves: planned.map((list, index) => ({
      index,
      state: 'pending',
      devices: list.map((d) => byId.get(d) as (typeof eligible)[number]),
    })),
    skipped: skipped.sort((a, b) => a.device.localeCompare(b.device)),
    createdBy: actor,
    createdAt: at,
    updatedAt: at,
    rev: 0,
  };
  deps.campaigns.create(campaign);
  deps.store.addAudit({
    at,
    actor,
    action: 'campaign.start',
    target: id,
    model: spec.model,
    version: spec.version,
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    details: {
      target: spec.target,
      waves: campaign.waves.map((w) => w.devices.length),
      skipped: campaign.skipped,
      gates,
      onFail: campaign.onFail,
    },
  });
  deps.onEvent?.({
    campaign: id,
    at,
    action: 'start',
    from: null,
    to: 'pending',
    wave: 0,
    actor,
    ...(o.reason ? { reason: o.reason } : {}),
  });
  return campaign;
}

/** Retries an operator's change against concurrent engine writes (a compare-and-set loop). */
function operate(
  deps: CampaignDeps,
  id: string,
  change: (c: Campaign) => { next: Campaign; action: string } | undefined,
  o: CampaignActionOptions,
): Campaign {
  for (let i = 0; i < 50; i++) {
    const c = getCampaign(deps, id);
    const step = change(c);
    if (!step) return c;
    const stored = transition(deps, c, step.next, step.action, o);
    if (stored) return stored;
  }
  throw fleetError(FleetErrorCodes.CAMPAIGN_STATE, `campaign ${id} kept changing; try again`, { id });
}

const refuse = (c: Campaign, what: string): never => {
  throw fleetError(FleetErrorCodes.CAMPAIGN_STATE, `campaign ${c.id} is ${c.state}: cannot ${what}`, {
    id: c.id,
    state: c.state,
  });
};

/**
 * Pauses a campaign: no wave starts and no gate is judged until it is resumed. Operators call it,
 * and so can monitoring (an alert pausing the campaign it concerns). Pausing a paused campaign is a no-op.
 */
export function pauseCampaign(deps: CampaignDeps, id: string, o: CampaignActionOptions = {}): Campaign {
  return operate(
    deps,
    id,
    (c) => {
      if (c.state === 'paused') return undefined;
      if (c.state !== 'pending' && c.state !== 'running' && c.state !== 'soaking') return refuse(c, 'pause');
      return {
        next: { ...c, state: 'paused', resumeTo: c.state, ...(o.reason ? { reason: o.reason } : {}) },
        action: 'pause',
      };
    },
    o,
  );
}

/**
 * Resumes a paused campaign where it was. A wave that was soaking (or whose gate failed) soaks
 * again from now and is judged again.
 */
export function resumeCampaign(deps: CampaignDeps, id: string, o: CampaignActionOptions = {}): Campaign {
  return operate(
    deps,
    id,
    (c) => {
      if (c.state !== 'paused') return refuse(c, 'resume');
      const at = iso(deps.clock);
      const to = c.resumeTo ?? 'soaking';
      const waves = c.waves.map((w, i) =>
        i !== c.current
          ? w
          : to === 'soaking'
            ? { ...w, state: 'soaking' as const, soakStartedAt: at, startedAt: w.startedAt ?? at }
            : w,
      );
      const { resumeTo: _r, reason: _why, ...rest } = c;
      return { next: { ...rest, state: to, waves }, action: 'resume' };
    },
    o,
  );
}

/** Aborts a campaign: no further wave; devices keep what they were assigned (`outpost rollback` takes them back). */
export function abortCampaign(deps: CampaignDeps, id: string, o: CampaignActionOptions = {}): Campaign {
  return operate(
    deps,
    id,
    (c) => {
      if (isFinal(c.state) || c.state === 'rolling-back') return refuse(c, 'abort');
      return { next: { ...c, state: 'aborted', ...(o.reason ? { reason: o.reason } : {}) }, action: 'abort' };
    },
    o,
  );
}
