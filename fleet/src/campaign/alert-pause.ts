import type { Alert } from '../monitor/monitor-store.ts';
import type { CampaignEngine } from './engine.ts';

/** Which alerts pause a running campaign of their model (docs/OPERATIONS.md "Campaigns"). */
export type PauseOnAlert = 'critical' | 'any' | 'never';

export const MONITOR_ACTOR = 'monitor';

/**
 * A firing alert (drift, data quality, performance) on a model pauses that model's running
 * campaigns: no further wave goes out on a model the monitoring doubts. `critical` (the default)
 * pauses on critical alerts only, `any` on warnings too. Returns the ids paused; an operator
 * resumes with `outpost rollout resume` once the alert is understood.
 */
export function pauseCampaignsOnAlert(campaigns: CampaignEngine, alert: Alert, policy: PauseOnAlert): string[] {
  if (policy === 'never' || alert.state !== 'firing') return [];
  if (policy === 'critical' && alert.severity !== 'critical') return [];
  const paused: string[] = [];
  for (const c of campaigns.list()) {
    if (c.model !== alert.model || (c.state !== 'pending' && c.state !== 'running' && c.state !== 'soaking')) continue;
    campaigns.pause(c.id, { actor: MONITOR_ACTOR, reason: `alert ${alert.id}: ${alert.summary}` });
    paused.push(c.id);
  }
  return paused;
}
