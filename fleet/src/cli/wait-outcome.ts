import type { CliIO } from '@outpost/protocol/node';
import type { IntentTarget } from '../desired-state.ts';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import { outcomes, settled, type DeviceOutcome } from '../intent/outcome.ts';
import type { FleetStore } from '../store/fleet-store.ts';
import { formatTable } from './table.ts';

export interface WaitOptions {
  timeoutMs: number;
  offlineAfterMs: number;
  pollMs?: number;
  now?: () => number;
}

/**
 * Polls the fleet store (the running fleet writes every report into it) until every targeted
 * device converged, failed or is offline, or `timeoutMs` passed; returns the last outcome.
 */
export async function waitForOutcome(
  store: Pick<FleetStore, 'listReported' | 'lastSeen'>,
  targets: readonly IntentTarget[],
  opts: WaitOptions,
): Promise<DeviceOutcome[]> {
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.timeoutMs;
  for (;;) {
    const list = targets.flatMap((t) => outcomes(store, t.state, t.devices, now(), opts.offlineAfterMs));
    if (settled(list) || now() >= deadline) return list;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
  }
}

export function formatOutcome(list: readonly DeviceOutcome[]): string {
  return formatTable(
    ['device', 'gateway', 'state', 'expected', 'running', 'error'],
    list.map((o) => [
      o.device,
      o.gateway,
      o.state,
      `${o.expected.name} v${o.expected.version}`,
      o.running ? `${o.running.name} v${o.running.version}` : '-',
      o.error ? o.error.code : '',
    ]),
  );
}

/** Prints the per-device outcome; throws OUTPOST_ERR_OUTCOME_FAILED unless every device converged. */
export function reportOutcome(io: CliIO, list: readonly DeviceOutcome[], json: boolean): void {
  const done = list.filter((o) => o.state === 'converged').length;
  if (json) io.out(JSON.stringify(list, null, 2));
  else if (list.length > 0) {
    io.out(formatOutcome(list));
    io.out(`${done} of ${list.length} device${list.length === 1 ? '' : 's'} converged`);
  }
  const bad = list.filter((o) => o.state !== 'converged');
  if (bad.length > 0) {
    throw fleetError(
      FleetErrorCodes.OUTCOME_FAILED,
      `${bad.length} of ${list.length} devices did not converge: ${bad.map((o) => `${o.device} ${o.state}${o.error ? ` (${o.error.code})` : ''}`).join(', ')}`,
      { devices: bad.map((o) => ({ device: o.device, state: o.state, ...(o.error ? { code: o.error.code } : {}) })) },
    );
  }
}
