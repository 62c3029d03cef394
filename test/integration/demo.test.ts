/**
 * `outpost demo` end to end: the committed build through a fleet, a gateway and devices in a
 * temporary folder, every replayed row predicted, every telemetry window stored once, and drift
 * low on held-out rows (docs/ARCHITECTURE.md "Composition and tests").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../stack/demo.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'outpost-demo-test-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('outpost demo', () => {
  it('converges every device on the committed build and counts every window once', async () => {
    const s = await runDemo({ dataDir, devices: 2, rowsPerDevice: 600 });
    expect(s.model).toBe('occupancy');
    expect(s.devicesConverged).toBe(2);
    expect(s.predictions).toBe(1200);
    expect(s.windowsSent).toBeGreaterThanOrEqual(4); // 250-row windows, and a final partial one per device
    expect(s.windowsStored).toBe(s.windowsSent);
    expect(s.topPsi.length).toBeGreaterThan(0);
    for (const f of s.topPsi) expect(f.psi ?? Infinity).toBeLessThan(0.1);
  });
});
