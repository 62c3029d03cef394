/**
 * The automatic retraining trigger on a manual clock (docs/MONITORING.md "Retraining"): off unless
 * configured, debounced, one run at a time per model, after N labels, and nothing for a model
 * without fresh data.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@outpost/protocol';
import type { Alert } from '../../src/monitor/monitor-store.ts';
import type { RetrainTrigger } from '../../src/retrain/retrain-run.ts';
import { parseRetrainSettings, type AutoRetrainSettings } from '../../src/retrain/settings.ts';
import { createRetrainTrigger } from '../../src/retrain/trigger.ts';
import { manualClock, MIN } from '../monitor/helpers.ts';

function alert(model: string, id: string, state: Alert['state'] = 'firing'): Alert {
  return {
    id,
    key: `performance:${model}`,
    metric: 'performance',
    scope: 'model',
    model,
    version: 1,
    severity: 'critical',
    state,
    summary: 'rmse above its band',
    value: 90_000,
    threshold: 60_000,
    since: '2025-03-01T00:00:00.000Z',
    updatedAt: '2025-03-01T00:00:00.000Z',
  };
}

function world(settings: Partial<AutoRetrainSettings>, ready = (m: string) => m !== 'shipping') {
  const clock = manualClock();
  const started: { model: string; trigger: RetrainTrigger; at: number }[] = [];
  const finish: (() => void)[] = [];
  const trigger = createRetrainTrigger({
    clock,
    logger: silentLogger,
    settings: { onAlert: false, afterLabels: null, debounceMs: 10 * MIN, labelPollMs: MIN, ...settings },
    ready,
    start: (model, t) => {
      started.push({ model, trigger: t, at: clock.now() });
      return new Promise<void>((r) => finish.push(r));
    },
  });
  return { clock, started, finish, trigger };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('automatic retraining', () => {
  it('is off by default', () => {
    const s = parseRetrainSettings({}, '/data');
    expect(s.auto).toMatchObject({ onAlert: false, afterLabels: null });
    const w = world(s.auto);
    w.trigger.onAlert(alert('housing', 'a1'));
    w.trigger.onLabels('housing', 10_000);
    w.clock.advance(60 * MIN);
    expect(w.started).toEqual([]);
  });

  it('runs once per burst of alerts after the debounce, and not again while the run is under way', async () => {
    const w = world({ onAlert: true });
    const t0 = w.clock.now();
    w.trigger.onAlert(alert('housing', 'a1'));
    w.clock.advance(5 * MIN);
    w.trigger.onAlert(alert('housing', 'a2'));
    w.trigger.onAlert(alert('housing', 'a3', 'resolved'));
    expect(w.started).toEqual([]);
    w.clock.advance(5 * MIN);
    expect(w.started).toEqual([
      { model: 'housing', trigger: { kind: 'alert', alertId: 'a1', metric: 'performance' }, at: t0 + 10 * MIN },
    ]);
    // Under way: more alerts start nothing, however long they keep coming.
    w.trigger.onAlert(alert('housing', 'a4'));
    w.clock.advance(30 * MIN);
    expect(w.started).toHaveLength(1);
    expect(w.trigger.busy()).toEqual(['housing']);
    // Once it ended, the next alert starts the next run (after its debounce).
    w.finish[0]?.();
    await tick();
    expect(w.trigger.busy()).toEqual([]);
    w.trigger.onAlert(alert('housing', 'a5'));
    w.clock.advance(10 * MIN);
    expect(w.started.map((s) => s.trigger)).toEqual([
      { kind: 'alert', alertId: 'a1', metric: 'performance' },
      { kind: 'alert', alertId: 'a5', metric: 'performance' },
    ]);
  });

  it('runs after every N new labels, per model', () => {
    const w = world({ afterLabels: 100, debounceMs: 0 });
    w.trigger.onLabels('housing', 60);
    w.trigger.onLabels('occupancy', 99);
    w.clock.advance(MIN);
    expect(w.started).toEqual([]);
    w.trigger.onLabels('housing', 50);
    w.clock.advance(MIN);
    expect(w.started.map((s) => [s.model, s.trigger])).toEqual([['housing', { kind: 'labels', count: 110 }]]);
  });

  it('skips a model without fresh data', () => {
    const w = world({ onAlert: true, afterLabels: 1 });
    w.trigger.onAlert(alert('shipping', 'a1'));
    w.trigger.onLabels('shipping', 5);
    w.clock.advance(60 * MIN);
    expect(w.started).toEqual([]);
    expect(w.trigger.busy()).toEqual([]);
  });
});
