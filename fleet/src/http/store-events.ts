import type { ReportedState } from '@outpost/protocol';
import { isOnline } from '../intent/outcome.ts';
import type { FleetStore } from '../store/fleet-store.ts';
import type { EventHub } from './events.ts';

/** What an operator sees of a node's report; an event is published when it changes. */
function summary(r: ReportedState): string {
  return JSON.stringify([
    r.status,
    r.revision,
    r.models.map((m) => [m.name, m.version, m.state, m.error?.code ?? null]),
  ]);
}

export function reportedEventData(r: ReportedState): Record<string, unknown> {
  return {
    kind: r.kind,
    id: r.source,
    ...(r.gateway !== undefined ? { gateway: r.gateway } : {}),
    status: r.status,
    revision: r.revision,
    models: r.models.map((m) => ({
      name: m.name,
      version: m.version,
      state: m.state,
      ...(m.error ? { error: m.error.code } : {}),
    })),
  };
}

/**
 * The fleet store, publishing to `hub` (docs/ARCHITECTURE.md "Operator API"): a `reported` event
 * when a node's report changes what an operator sees (status, revision, versions and their
 * states), and an `audit` event for every audit entry. Everything else passes through.
 */
export function observedStore(store: FleetStore, hub: EventHub): FleetStore {
  let last: Map<string, string> | undefined;
  const known = (): Map<string, string> => (last ??= new Map(store.listReported().map((r) => [r.source, summary(r)])));
  return {
    ...store,
    putReported(state, receivedAt) {
      const seen = known();
      store.putReported(state, receivedAt);
      const s = summary(state);
      if (seen.get(state.source) === s) return;
      seen.set(state.source, s);
      hub.publish({ type: 'reported', data: reportedEventData(state) });
    },
    addAudit(entry) {
      const id = store.addAudit(entry);
      hub.publish({ type: 'audit', data: { id, ...entry } });
      return id;
    },
  };
}

/**
 * Presence by silence (docs/OPERATIONS.md "Offline devices"): `sweep` compares every node's last
 * sighting with `offlineAfterMs` and publishes a `presence` event for each node whose online flag
 * changed since the previous sweep (the fleet runs it on a timer).
 */
export function presenceSweeper(
  store: Pick<FleetStore, 'lastSeen' | 'listReported'>,
  hub: EventHub,
  offlineAfterMs: number,
): { sweep(nowMs: number): void } {
  const online = new Map<string, boolean>();
  return {
    sweep(nowMs) {
      const reports = new Map(store.listReported().map((r) => [r.source, r]));
      for (const [id, seen] of store.lastSeen()) {
        const now = reports.get(id)?.status !== 'offline' && isOnline(seen, nowMs, offlineAfterMs);
        const before = online.get(id);
        online.set(id, now);
        if (before !== undefined && before !== now)
          hub.publish({
            type: 'presence',
            data: { id, kind: reports.get(id)?.kind ?? 'device', online: now, lastSeen: seen },
          });
      }
    },
  };
}
