/**
 * Alert delivery by HTTP (docs/MONITORING.md "Alerts"): each alert change is POSTed as JSON
 * `{ "alert": … }` to the configured URL; anything but a 2xx answer (or no answer within the
 * timeout) is retried after `backoffMs`, doubling each time, up to `attempts` tries in all.
 */
import { errorMessage, type Clock, type Logger } from '@outpost/protocol';
import { MonitorErrorCodes, monitorError } from './errors.ts';
import type { Alert } from './monitor-store.ts';
import type { WebhookSettings } from './settings.ts';

export interface WebhookSender {
  send(alert: Alert): Promise<void>;
}

export function createWebhookSender(settings: WebhookSettings, deps: { clock: Clock; logger: Logger }): WebhookSender {
  const attempts = settings.attempts ?? 5;
  const backoffMs = settings.backoffMs ?? 500;
  const timeoutMs = settings.timeoutMs ?? 5000;
  const sleep = (ms: number): Promise<void> => new Promise((r) => deps.clock.setTimeout(r, ms));
  return {
    async send(alert) {
      let last = '';
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const res = await fetch(settings.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ alert }),
            signal: AbortSignal.timeout(timeoutMs),
          });
          await res.arrayBuffer().catch(() => undefined);
          if (res.ok) return;
          last = `HTTP ${res.status}`;
        } catch (err) {
          last = errorMessage(err);
        }
        deps.logger.warn({ alert: alert.id, attempt, attempts, reason: last }, 'alert webhook attempt failed');
        if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
      }
      throw monitorError(MonitorErrorCodes.WEBHOOK_FAILED, `alert webhook failed ${attempts} times: ${last}`, {
        alert: alert.id,
        attempts,
        reason: last,
      });
    },
  };
}
