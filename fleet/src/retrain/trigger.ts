/**
 * The automatic retraining trigger (docs/MONITORING.md "Retraining"), off unless configured: a
 * firing alert of a model, or N new labels of it, asks for a run; the request waits `debounceMs`
 * (a burst of alerts or labels makes one run), a model with a run pending or under way is not asked
 * again, and a model without fresh data is skipped. Time comes from the injected clock.
 */
import { errorMessage, type Clock, type Logger } from '@outpost/protocol';
import type { Alert } from '../monitor/monitor-store.ts';
import type { RetrainTrigger } from './retrain-run.ts';
import type { AutoRetrainSettings } from './settings.ts';

export interface RetrainTriggerOptions {
  clock: Clock;
  logger: Logger;
  settings: AutoRetrainSettings;
  /** Whether the model can be retrained now (a fresh-data file exists for it). */
  ready(model: string): boolean;
  /** Runs one retraining; the trigger waits for it before asking again for that model. */
  start(model: string, trigger: RetrainTrigger): Promise<unknown>;
}

export interface AutoRetrainTrigger {
  /** The fleet's alert hook: a firing alert of a model asks for a run (with `onAlert`). */
  onAlert(alert: Alert): void;
  /** New labels of a model were stored; every `afterLabels` of them ask for a run. */
  onLabels(model: string, count: number): void;
  /** Models with a run pending (debouncing) or under way. */
  busy(): string[];
  close(): void;
}

export function createRetrainTrigger(o: RetrainTriggerOptions): AutoRetrainTrigger {
  const log = o.logger.child({ component: 'retrain-trigger' });
  const pending = new Map<string, unknown>();
  const running = new Set<string>();
  const labels = new Map<string, number>();
  let closed = false;

  const request = (model: string, trigger: RetrainTrigger): void => {
    if (closed || pending.has(model) || running.has(model)) return;
    if (!o.ready(model)) {
      log.info({ model, trigger: trigger.kind }, 'retraining asked for, but the model has no fresh data');
      return;
    }
    pending.set(
      model,
      o.clock.setTimeout(() => {
        pending.delete(model);
        running.add(model);
        log.info({ model, trigger: trigger.kind }, 'retraining');
        o.start(model, trigger)
          .catch((err: unknown) => log.warn({ model, err: errorMessage(err) }, 'automatic retraining failed'))
          .finally(() => running.delete(model));
      }, o.settings.debounceMs),
    );
  };

  return {
    onAlert(alert) {
      if (!o.settings.onAlert || alert.state !== 'firing') return;
      request(alert.model, { kind: 'alert', alertId: alert.id, metric: alert.metric });
    },
    onLabels(model, count) {
      const every = o.settings.afterLabels;
      if (every === null || count <= 0) return;
      const total = (labels.get(model) ?? 0) + count;
      if (total < every) {
        labels.set(model, total);
        return;
      }
      labels.set(model, 0);
      request(model, { kind: 'labels', count: total });
    },
    busy: () => [...new Set([...pending.keys(), ...running])],
    close() {
      closed = true;
      for (const h of pending.values()) o.clock.clearTimeout(h);
      pending.clear();
    },
  };
}
