/**
 * `outpost demo` (and `npm run demo`): the whole foundation thread once, in a temporary data dir,
 * ending in a short summary — model version, CV RMSEs, devices converged, predictions, telemetry
 * windows stored, top-3 PSI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from './site.ts';
import { rowsSource, spreadOrder } from './replay.ts';

export interface DemoSummary {
  model: string;
  version: number;
  artifactId: string;
  cvRmse: { baseline: number; linear: number };
  devicesConverged: number;
  predictions: number;
  windowsSent: number;
  windowsStored: number;
  topPsi: { feature: string; psi: number | null; status: string }[];
}

export async function runDemo(
  options: { dataDir?: string; devices?: number; rowsPerDevice?: number; onProgress?: (m: string) => void } = {},
): Promise<DemoSummary> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'outpost-demo-'));
  const stack = await startStack({
    dataDir,
    devices: options.devices ?? 3,
    windowRows: 250,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  try {
    const held = spreadOrder(stack.trained.heldOutRows);
    const per = Math.min(options.rowsPerDevice ?? 1000, Math.floor(held.length / stack.devices.length));
    const counts = await Promise.all(
      stack.devices.map(async (d, i) => {
        const mine = held.slice(i * per, (i + 1) * per);
        const done = await d.replay(rowsSource(mine));
        await d.flushTelemetry();
        return done;
      }),
    );
    const predictions = counts.reduce((a, b) => a + b, 0);
    const windowsSent = stack.devices.reduce((s, d) => s + d.stats().windowsSent, 0);
    const deadline = Date.now() + 30_000;
    while (stack.fleet.stats().telemetryStored < windowsSent && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const drift = stack.fleet.drift(stack.trained.name, { version: stack.trained.version });
    return {
      model: stack.trained.name,
      version: stack.trained.version,
      artifactId: stack.trained.artifactId,
      cvRmse: { baseline: stack.trained.cv.baseline.mean, linear: stack.trained.cv.linear.mean },
      devicesConverged: stack.devices.filter((d) => d.active()?.artifactId === stack.trained.artifactId).length,
      predictions,
      windowsSent,
      windowsStored: stack.fleet.stats().telemetryStored,
      topPsi: drift.features.slice(0, 3).map((f) => ({ feature: f.feature, psi: f.psi, status: f.status })),
    };
  } finally {
    await stack.close();
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}
