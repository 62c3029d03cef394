import { assignmentFor, errorMessage, silentLogger, type Logger } from '@outpost/protocol';
import { assign, rollback, unassign, type DesiredStateDeps } from '../desired-state.ts';
import { DEFAULT_OFFLINE_AFTER_MS } from '../intent/outcome.ts';
import { isActive, type Campaign, type GateResult, type Wave } from './campaign.ts';
import {
  ENGINE_ACTOR,
  abortCampaign,
  createCampaign,
  getCampaign,
  pauseCampaign,
  resumeCampaign,
  transition,
  type CampaignActionOptions,
  type CampaignDeps,
  type CampaignSpec,
} from './campaigns.ts';
import { failedReason, installGates, onlyWaiting, telemetryGates } from './gates.ts';
import { campaignStatus, type CampaignStatus } from './status.ts';

/** How often the engine looks at its campaigns by default. */
export const DEFAULT_ENGINE_POLL_MS = 1_000;

export interface CampaignEngineOptions extends CampaignDeps {
  /** Signs, stores and publishes the assignments and rollbacks the engine makes. */
  intent: DesiredStateDeps;
  logger?: Logger;
  /** A device silent this long counts as offline (not installed). */
  offlineAfterMs?: number;
  pollMs?: number;
}

/**
 * What the fleet exposes as `fleet.campaigns` (docs/ARCHITECTURE.md "Campaigns"): the operations,
 * and the engine that advances campaigns. Every call is synchronous against the store except `tick`.
 */
export interface CampaignEngine {
  create(spec: CampaignSpec, o?: CampaignActionOptions): Campaign;
  get(id: string): Campaign;
  list(): Campaign[];
  status(id: string): CampaignStatus;
  /** The external "pause this campaign" call (operators, monitoring alerts). */
  pause(id: string, o?: CampaignActionOptions): Campaign;
  resume(id: string, o?: CampaignActionOptions): Campaign;
  abort(id: string, o?: CampaignActionOptions): Campaign;
  /** One pass over every active campaign (the poll loop calls it; tests call it with a fake clock). */
  tick(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

const engine = { actor: ENGINE_ACTOR };

/**
 * The campaign engine. It keeps no state of its own: each pass reads every campaign from the
 * store and the devices' reported state, derives the next action, and stores the transition as a
 * compare-and-set before acting on it, so a fleet killed at any point resumes where it was
 * (assignments are made only where the device is not assigned the campaign's version already).
 */
export function createCampaignEngine(opts: CampaignEngineOptions): CampaignEngine {
  const logger = (opts.logger ?? silentLogger).child({ part: 'campaigns' });
  const offlineAfterMs = opts.offlineAfterMs ?? DEFAULT_OFFLINE_AFTER_MS;
  const deps: CampaignDeps = opts;
  const { store, clock } = opts;
  const now = (): number => clock.now();
  const isoNow = (): string => new Date(now()).toISOString();
  /** The state each campaign had at the last pass: changes made by another process become `changed` events. */
  const seen = new Map<string, string>();

  const setWave = (c: Campaign, wave: Partial<Wave>, i = c.current): Wave[] =>
    c.waves.map((w) => (w.index === i ? { ...w, ...wave } : w));

  /** Assigns the campaign's version to the wave's devices that are not assigned it yet (one desired revision per gateway). */
  async function ensureAssigned(c: Campaign, wave: Wave): Promise<void> {
    const byGateway = new Map<string, string[]>();
    for (const { device, gateway } of wave.devices) {
      const desired = store.getDesired(gateway);
      const a = desired?.models.find((m) => m.devices?.includes(device));
      if (a?.name === c.model && a.version === c.version) continue;
      byGateway.set(gateway, [...(byGateway.get(gateway) ?? []), device]);
    }
    for (const [gateway, devices] of byGateway) {
      try {
        await assign(opts.intent, gateway, c.model, c.version, devices, {
          ...engine,
          reason: `campaign ${c.id} wave ${wave.index + 1}`,
          allowUnknown: true,
        });
      } catch (err) {
        logger.warn({ campaign: c.id, gateway, err: errorMessage(err) }, 'could not assign a wave');
      }
    }
  }

  /** Returns the wave's devices to what they were assigned before it, where they still hold the campaign's version. */
  async function rollWaveBack(c: Campaign, wave: Wave): Promise<void> {
    const reason = `campaign ${c.id} wave ${wave.index + 1} rolled back`;
    const sameModel = new Map<number, string[]>();
    const other: Wave['devices'] = [];
    for (const d of wave.devices) {
      const desired = store.getDesired(d.gateway);
      const a = desired ? assignmentFor(desired, d.device) : undefined;
      if (!(a?.name === c.model && a.version === c.version && a.devices !== undefined)) continue;
      if (d.previous?.name === c.model)
        sameModel.set(d.previous.version, [...(sameModel.get(d.previous.version) ?? []), d.device]);
      else other.push(d);
    }
    for (const [to, devices] of sameModel) {
      try {
        await rollback(opts.intent, c.model, { ...engine, reason, to, devices });
      } catch (err) {
        logger.error({ campaign: c.id, to, err: errorMessage(err) }, 'could not roll devices back');
      }
    }
    for (const d of other) {
      try {
        if (d.previous?.override)
          await assign(opts.intent, d.gateway, d.previous.name, d.previous.version, [d.device], {
            ...engine,
            reason,
            allowUnknown: true,
          });
        else await unassign(opts.intent, d.gateway, [d.device], { ...engine, reason });
      } catch (err) {
        logger.error({ campaign: c.id, device: d.device, err: errorMessage(err) }, 'could not roll a device back');
      }
    }
  }

  function fail(c: Campaign, gates: GateResult[]): Campaign | undefined {
    const reason = `wave ${c.current + 1} failed its gates: ${failedReason(gates)}`;
    const waves = setWave(c, { state: 'failed', gates, endedAt: isoNow() });
    const next: Campaign =
      c.onFail === 'rollback'
        ? { ...c, waves, state: 'rolling-back', reason }
        : { ...c, waves, state: 'paused', resumeTo: 'soaking', reason };
    return transition(deps, c, next, 'gate-failed', { ...engine, reason, gates });
  }

  async function step(c: Campaign): Promise<void> {
    const wave = c.waves[c.current] as Wave;
    if (c.state === 'pending' || (c.state === 'running' && wave.state === 'pending')) {
      const next = transition(
        deps,
        c,
        { ...c, state: 'running', waves: setWave(c, { state: 'running', startedAt: isoNow() }) },
        'wave-start',
        { ...engine, details: { devices: wave.devices.map((d) => d.device) } },
      );
      if (next) await ensureAssigned(next, next.waves[next.current] as Wave);
      return;
    }
    if (c.state === 'rolling-back') {
      await rollWaveBack(c, wave);
      transition(deps, c, { ...c, state: 'rolled-back', waves: setWave(c, { state: 'rolled-back' }) }, 'rolled-back', {
        ...engine,
        ...(c.reason ? { reason: c.reason } : {}),
        details: { devices: wave.devices.map((d) => d.device) },
      });
      return;
    }
    if (c.state === 'running') await ensureAssigned(c, wave);
    const install = installGates(store, c, wave, now(), offlineAfterMs);
    if (install.failed) {
      fail(c, install.gates);
      return;
    }
    if (c.state === 'running') {
      const started = Date.parse(wave.startedAt ?? isoNow());
      if (!install.settled && now() - started < c.gates.installTimeoutMs) return;
      if (install.gates.some((g) => !g.passed)) {
        fail(c, install.gates);
        return;
      }
      transition(
        deps,
        c,
        {
          ...c,
          state: 'soaking',
          waves: setWave(c, { state: 'soaking', soakStartedAt: isoNow(), gates: install.gates }),
        },
        'soak',
        {
          ...engine,
          gates: install.gates,
        },
      );
      return;
    }
    // soaking
    const soakStart = Date.parse(wave.soakStartedAt ?? isoNow());
    if (now() - soakStart < c.gates.soakMs) return;
    const gates = [...install.gates, ...telemetryGates(store, c, wave)];
    // Too few prediction rows to judge drift: the soak goes on, up to the install timeout past it.
    if (onlyWaiting(gates) && now() - soakStart < c.gates.soakMs + c.gates.installTimeoutMs) return;
    if (gates.some((g) => !g.passed)) {
      fail(c, gates);
      return;
    }
    const passed = setWave(c, { state: 'passed', gates, endedAt: isoNow() });
    const last = c.current === c.waves.length - 1;
    if (last) {
      transition(deps, c, { ...c, state: 'done', waves: passed }, 'done', { ...engine, gates });
      return;
    }
    const nextIndex = c.current + 1;
    const started = { ...c, waves: passed, current: nextIndex };
    const next = transition(
      deps,
      c,
      { ...started, state: 'running', waves: setWave(started, { state: 'running', startedAt: isoNow() }, nextIndex) },
      'wave-passed',
      { ...engine, gates, details: { next: nextIndex, devices: c.waves[nextIndex]?.devices.map((d) => d.device) } },
    );
    if (next) await ensureAssigned(next, next.waves[nextIndex] as Wave);
  }

  let running: Promise<void> | undefined;
  async function pass(): Promise<void> {
    for (const c of opts.campaigns.list()) {
      const prev = seen.get(c.id);
      const mark = `${c.rev}`;
      if (prev !== undefined && prev !== mark) {
        // Changed by another process (the CLI): still worth an event.
        opts.onEvent?.({
          campaign: c.id,
          at: isoNow(),
          action: 'changed',
          from: null,
          to: c.state,
          wave: c.current,
          actor: ENGINE_ACTOR,
        });
      }
      if (isActive(c.state)) {
        try {
          await step(c);
        } catch (err) {
          logger.error({ campaign: c.id, err: errorMessage(err) }, 'campaign step failed; retried at the next pass');
        }
      }
      const after = opts.campaigns.get(c.id);
      if (after) seen.set(c.id, `${after.rev}`);
    }
  }
  const tick = async (): Promise<void> => {
    if (running) return running;
    running = pass().finally(() => {
      running = undefined;
    });
    return running;
  };

  /** Changes made through this engine's calls have had their event already. */
  const remember = (c: Campaign): Campaign => {
    seen.set(c.id, `${c.rev}`);
    return c;
  };

  let timer: unknown;
  return {
    create: (spec, o) => remember(createCampaign(deps, spec, o)),
    get: (id) => getCampaign(deps, id),
    list: () => opts.campaigns.list(),
    status: (id) => campaignStatus(store, getCampaign(deps, id), now(), offlineAfterMs),
    pause: (id, o) => remember(pauseCampaign(deps, id, o)),
    resume: (id, o) => remember(resumeCampaign(deps, id, o)),
    abort: (id, o) => remember(abortCampaign(deps, id, o)),
    tick,
    start() {
      if (timer !== undefined) return;
      timer = clock.setInterval(() => void tick(), opts.pollMs ?? DEFAULT_ENGINE_POLL_MS);
    },
    async stop() {
      if (timer !== undefined) clock.clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
