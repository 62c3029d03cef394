import { ERROR_CODE_PREFIX, LATENCY_BOUNDS_MS, type TelemetryWindow } from '@outpost/protocol';
import { deviceOutcome, type DeviceOutcome } from '../intent/outcome.ts';
import { psi } from '../drift/psi.ts';
import type { FleetStore } from '../store/fleet-store.ts';
import { DEFAULT_PREDICTION_MIN_ROWS, type Campaign, type GateResult, type Wave } from './campaign.ts';

/**
 * The code a device reports when a model fails its smoke test (the device's registry defines it;
 * the fleet does not depend on the device package, so it names the code by its key).
 */
export const SMOKE_TEST_FAILED_CODE = `${ERROR_CODE_PREFIX}SMOKE_TEST_FAILED`;

export type WaveDeviceState = DeviceOutcome['state'] | 'unassigned';

export interface WaveDeviceOutcome {
  device: string;
  gateway: string;
  state: WaveDeviceState;
  running?: { name: string; version: number };
  error?: { code: string; message: string };
}

type Reads = Pick<FleetStore, 'getDesired' | 'listReported' | 'lastSeen' | 'telemetryWindows' | 'findArtifact'>;

/** Where each device of a wave stands against its gateway's desired state (docs/ARCHITECTURE.md "Deploy: desired → reported"). */
export function waveOutcomes(
  store: Pick<FleetStore, 'getDesired' | 'listReported' | 'lastSeen'>,
  wave: Wave,
  nowMs: number,
  offlineAfterMs: number,
): WaveDeviceOutcome[] {
  const reports = new Map(store.listReported().map((r) => [r.source, r]));
  const seen = store.lastSeen();
  return wave.devices.map(({ device, gateway }) => {
    const desired = store.getDesired(gateway);
    const o = desired
      ? deviceOutcome(desired, device, reports.get(device), seen.get(device), nowMs, offlineAfterMs)
      : undefined;
    if (!o) return { device, gateway, state: 'unassigned' };
    return {
      device,
      gateway,
      state: o.state,
      ...(o.running ? { running: o.running } : {}),
      ...(o.error ? { error: o.error } : {}),
    };
  });
}

/** The campaign's version is what this device's outcome is measured against. */
function onVersion(store: Reads, c: Campaign, wave: Wave, list: WaveDeviceOutcome[]): WaveDeviceOutcome[] {
  return list.map((o) => {
    const d = store.getDesired(o.gateway);
    const a = d?.models.find((m) => m.devices?.includes(o.device));
    return a?.name === c.model && a.version === c.version ? o : { ...o, state: 'unassigned' as const };
  });
}

export interface InstallVerdict {
  outcomes: WaveDeviceOutcome[];
  /** Every device converged, failed or is offline. */
  settled: boolean;
  gates: GateResult[];
  /** A gate has failed already, whatever the devices still installing do. */
  failed: boolean;
}

/** The install gates of a wave: the share converged and the smoke-test failures. */
export function installGates(
  store: Reads,
  c: Campaign,
  wave: Wave,
  nowMs: number,
  offlineAfterMs: number,
): InstallVerdict {
  const outcomes = onVersion(store, c, wave, waveOutcomes(store, wave, nowMs, offlineAfterMs));
  const n = outcomes.length;
  const converged = outcomes.filter((o) => o.state === 'converged').length;
  const pending = outcomes.filter((o) => o.state === 'updating' || o.state === 'unassigned').length;
  const smoke = outcomes.filter((o) => o.state === 'failed' && o.error?.code === SMOKE_TEST_FAILED_CODE).length;
  const share = n === 0 ? 1 : converged / n;
  const best = n === 0 ? 1 : (converged + pending) / n;
  const gates: GateResult[] = [
    {
      gate: 'install-success',
      passed: share >= c.gates.installSuccessMin,
      value: share,
      limit: c.gates.installSuccessMin,
    },
    {
      gate: 'smoke-failures',
      passed: smoke <= c.gates.smokeFailuresMax,
      value: smoke,
      limit: c.gates.smokeFailuresMax,
    },
  ];
  return {
    outcomes,
    settled: pending === 0,
    gates,
    failed: smoke > c.gates.smokeFailuresMax || best < c.gates.installSuccessMin,
  };
}

/** The bucket bound under which 95% of the rows' latencies fall (ms); null without rows. */
export function p95Of(windows: readonly TelemetryWindow[]): number | null {
  const counts = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  for (const w of windows) w.latency.counts.forEach((c, i) => (counts[i] = (counts[i] ?? 0) + c));
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let acc = 0;
  for (let i = 0; i < counts.length; i++) {
    acc += counts[i] ?? 0;
    if (acc >= 0.95 * total) return LATENCY_BOUNDS_MS[i] ?? (LATENCY_BOUNDS_MS.at(-1) ?? 0) * 2;
  }
  return null;
}

/**
 * The telemetry gates of a wave after its soak: the error rate of the new version on the wave's
 * devices (the share of the rows asked for that failed: errors / (rows served + errors)), and its p95 latency against the previous version's (the same devices' windows of the
 * version they ran before; any device's when they sent none). A gate with no rows of the new
 * version fails ("no telemetry"): a wave that sent nothing proved nothing. Without a previous
 * version's rows the latency gate passes with the note "no baseline".
 */
export function telemetryGates(store: Reads, c: Campaign, wave: Wave): GateResult[] {
  const out: GateResult[] = [];
  if (c.gates.errorRateMax === undefined && c.gates.p95RatioMax === undefined && c.gates.predictionPsiMax === undefined)
    return out;
  const fresh = wave.devices.flatMap(({ device }) =>
    store.telemetryWindows({ model: c.model, version: c.version, device }),
  );
  if (c.gates.errorRateMax !== undefined) {
    // A window counts the rows served in `rows` and the rows that failed in `errors`.
    const limit = c.gates.errorRateMax;
    const errors = fresh.reduce((a, w) => a + w.errors, 0);
    const asked = fresh.reduce((a, w) => a + w.rows, 0) + errors;
    if (asked === 0) out.push({ gate: 'error-rate', passed: false, value: null, limit, note: 'no telemetry' });
    else out.push({ gate: 'error-rate', passed: errors / asked <= limit, value: errors / asked, limit });
  }
  if (c.gates.p95RatioMax !== undefined) {
    const limit = c.gates.p95RatioMax;
    const now = p95Of(fresh);
    let base: TelemetryWindow[] = wave.devices.flatMap(({ device, previous }) =>
      previous?.name === c.model ? store.telemetryWindows({ model: c.model, version: previous.version, device }) : [],
    );
    if (base.length === 0) {
      const prev = wave.devices.find((d) => d.previous?.name === c.model)?.previous;
      if (prev) base = store.telemetryWindows({ model: c.model, version: prev.version });
    }
    const before = p95Of(base);
    if (now === null) out.push({ gate: 'p95-latency', passed: false, value: null, limit, note: 'no telemetry' });
    else if (before === null || before === 0)
      out.push({ gate: 'p95-latency', passed: true, value: null, limit, note: 'no baseline' });
    else out.push({ gate: 'p95-latency', passed: now / before <= limit, value: now / before, limit });
  }
  if (c.gates.predictionPsiMax !== undefined) out.push(predictionGate(store, c, fresh, c.gates.predictionPsiMax));
  return out;
}

/**
 * The prediction-drift gate: the PSI (drift/psi.ts) of the new version's prediction bins, summed
 * over the wave's windows, against the manifest's reference prediction distribution. Windows on
 * other bin edges are left out. With fewer rows than `predictionMinRows` the gate is `waiting`
 * (not passed, note "small sample"): the engine extends the soak until the rows arrive or the
 * extension runs out, and only then fails it.
 */
export function predictionGate(
  store: Pick<FleetStore, 'findArtifact'>,
  c: Campaign,
  windows: readonly TelemetryWindow[],
  limit: number,
): GateResult {
  const reference = store.findArtifact(c.model, c.version)?.manifest.reference.prediction.freqs;
  if (!reference) return { gate: 'prediction-psi', passed: false, value: null, limit, note: 'no reference' };
  const counts = reference.map(() => 0);
  for (const w of windows) {
    if (w.predictions.bins.length !== counts.length) continue;
    w.predictions.bins.forEach((n, i) => (counts[i] = (counts[i] ?? 0) + n));
  }
  const rows = counts.reduce((a, b) => a + b, 0);
  const min = c.gates.predictionMinRows ?? DEFAULT_PREDICTION_MIN_ROWS;
  const value = rows > 0 ? psi(reference, counts) : Number.NaN;
  const measured = Number.isFinite(value) ? value : null;
  if (rows < min) {
    const note = rows === 0 ? 'no telemetry' : `small sample: ${rows} of ${min} rows`;
    return { gate: 'prediction-psi', passed: false, waiting: true, value: measured, limit, note };
  }
  return { gate: 'prediction-psi', passed: measured !== null && measured <= limit, value: measured, limit };
}

/** A one-line reason naming the failed gates. */
export function failedReason(gates: readonly GateResult[]): string {
  return gates
    .filter((g) => !g.passed)
    .map(
      (g) =>
        `${g.gate} ${g.value === null || g.waiting ? (g.note ?? 'no data') : +g.value.toFixed(4)} (limit ${g.limit})`,
    )
    .join(', ');
}

/** Every failed gate is only waiting for rows (the soak may go on). */
export const onlyWaiting = (gates: readonly GateResult[]): boolean =>
  gates.some((g) => !g.passed) && gates.every((g) => g.passed || g.waiting === true);
