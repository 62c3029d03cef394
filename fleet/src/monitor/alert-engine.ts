/**
 * The alert state machine (docs/MONITORING.md "Alerts"). Each evaluation hands it the conditions
 * that hold now for one model version, each with a dedup key (rule metric, model, version, scope
 * subject). Per key there is at most one unresolved alert:
 *   holds, none open     → pending (firing at once when the rule's forMs is 0)
 *   holds, pending       → firing once it has held forMs
 *   holds, firing / ack  → stays, value updated (no new notification: deduplicated)
 *   gone, pending        → resolved quietly (it never fired)
 *   gone, firing / ack   → resolved
 * Firing, acknowledged and resolved are notified; an acknowledged alert stays acknowledged until it
 * resolves, and a condition that comes back after that is a new alert.
 */
import { sha256Hex, type Clock, type Logger } from '@outpost/protocol';
import { MonitorErrorCodes, monitorError } from './errors.ts';
import type { Alert, MonitorStore } from './monitor-store.ts';
import type { AlertMetric, AlertScope } from './settings.ts';

export interface AlertCondition {
  key: string;
  metric: AlertMetric;
  scope: AlertScope;
  subject?: string;
  model: string;
  version: number;
  severity: 'warning' | 'critical';
  forMs: number;
  value: number | null;
  threshold: number | null;
  summary: string;
}

export interface AlertEngine {
  /**
   * Applies one evaluation of `model` v`version`: `holding` are the conditions that hold now; open
   * alerts of that version (and of `metrics`) missing from it resolve. Returns the alerts notified.
   */
  apply(
    model: string,
    version: number,
    metrics: readonly AlertMetric[],
    holding: readonly AlertCondition[],
  ): Promise<Alert[]>;
  /** Marks a firing alert acknowledged (idempotent); throws ALERT_UNKNOWN for an unknown id. */
  acknowledge(id: string, by?: string): Promise<Alert>;
}

export interface AlertEngineDeps {
  store: MonitorStore;
  clock: Clock;
  logger: Logger;
  /** Told of each change people must hear about: firing, acknowledged, resolved. */
  notify(alert: Alert): Promise<void>;
}

export function createAlertEngine(deps: AlertEngineDeps): AlertEngine {
  const { store } = deps;
  const nowIso = (): string => new Date(deps.clock.now()).toISOString();

  return {
    async apply(model, version, metrics, holding) {
      const now = deps.clock.now();
      const at = new Date(now).toISOString();
      const changed: Alert[] = [];
      const seen = new Set<string>();
      for (const c of holding) {
        if (seen.has(c.key)) continue;
        seen.add(c.key);
        const open = store.openAlert(c.key);
        const update = { value: c.value, threshold: c.threshold, summary: c.summary, updatedAt: at };
        if (!open) {
          const alert: Alert = {
            id: sha256Hex(`${c.key}\u0000${at}`).slice(0, 16),
            key: c.key,
            metric: c.metric,
            scope: c.scope,
            model: c.model,
            version: c.version,
            ...(c.subject !== undefined ? { subject: c.subject } : {}),
            severity: c.severity,
            state: c.forMs <= 0 ? 'firing' : 'pending',
            since: at,
            ...(c.forMs <= 0 ? { firedAt: at } : {}),
            ...update,
          };
          store.putAlert(alert);
          if (alert.state === 'firing') changed.push(alert);
        } else if (open.state === 'pending' && now - Date.parse(open.since) >= c.forMs) {
          const alert: Alert = { ...open, ...update, state: 'firing', firedAt: at };
          store.putAlert(alert);
          changed.push(alert);
        } else {
          store.putAlert({ ...open, ...update });
        }
      }
      for (const open of store.alerts({ model, state: ['pending', 'firing', 'acknowledged'] })) {
        if (open.version !== version || !metrics.includes(open.metric) || seen.has(open.key)) continue;
        const alert: Alert = { ...open, state: 'resolved', resolvedAt: at, updatedAt: at };
        store.putAlert(alert);
        if (open.state !== 'pending') changed.push(alert);
      }
      for (const alert of changed) await deps.notify(alert);
      return changed;
    },

    async acknowledge(id, by) {
      const alert = store.getAlert(id);
      if (!alert) throw monitorError(MonitorErrorCodes.ALERT_UNKNOWN, `no alert ${id}`, { id });
      if (alert.state !== 'firing') return alert;
      const at = nowIso();
      const acked: Alert = {
        ...alert,
        state: 'acknowledged',
        acknowledgedAt: at,
        ...(by !== undefined ? { acknowledgedBy: by } : {}),
        updatedAt: at,
      };
      store.putAlert(acked);
      await deps.notify(acked);
      return acked;
    },
  };
}
