/**
 * The chaos run, short (bench/chaos.ts runs it for ≥ 10 minutes): SIGKILLs of every tier (some
 * during drains), read-only data dirs, a model switch; 0 windows lost, 0 duplicated, every device
 * on the new, verified model at the end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runChaos } from '../../stack/chaos.ts';
import type { FaultStack } from '../../stack/fault-stack.ts';

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('chaos', () => {
  it('loses and duplicates no window through kills, read-only dirs and a model switch', async () => {
    const run = await runChaos({ durationMs: 60_000, devices: 2, rate: 100, seed: 7 });
    stack = run.stack;
    const { report } = run;
    const summary = JSON.stringify(report, null, 2) + '\n' + stack.marks();
    expect({ lost: report.lost, duplicated: report.duplicated }, summary).toEqual({ lost: 0, duplicated: 0 });
    expect(report.created, summary).toBeGreaterThan(100);
    expect(
      report.devices.map((d) => d.onVerifiedModel),
      summary,
    ).toEqual(report.devices.map(() => true));
    // Every kind of fault happened.
    expect(
      Object.values(report.actions).every((n) => n > 0),
      summary,
    ).toBe(true);
  }, 600_000);
});
