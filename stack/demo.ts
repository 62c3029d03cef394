/**
 * `outpost demo` (and `npm run demo`): the whole thread once, in a temporary data dir — the
 * committed build registered and assigned, devices converged, held-out rows replayed, telemetry
 * stored, drift computed — ending in a short summary: model version, its validation and CV figures,
 * devices converged, predictions, telemetry windows stored, top-3 feature PSI and the prediction PSI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricSummary } from '@outpost/protocol';
import { startStack } from './site.ts';
import { rowsSource, spreadOrder } from './replay.ts';

export interface DemoSummary {
  model: string;
  version: number;
  artifactId: string;
  algorithm: string;
  /** The manifest's `validation` and `cv` figures (the metric names its unit). */
  validation?: MetricSummary;
  cv?: MetricSummary;
  devicesConverged: number;
  predictions: number;
  windowsSent: number;
  windowsStored: number;
  topPsi: { feature: string; psi: number | null; status: string }[];
  /** PSI of the model's predictions against the training rows' predictions. */
  predictionPsi: { psi: number | null; status: string };
}

export async function runDemo(
  options: { dataDir?: string; devices?: number; rowsPerDevice?: number; onProgress?: (m: string) => void } = {},
): Promise<DemoSummary> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'outpost-demo-'));
  try {
    const stack = await startStack({
      dataDir,
      devices: options.devices ?? 3,
      windowRows: 250,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    try {
      const held = spreadOrder(stack.rows);
      const per = Math.min(options.rowsPerDevice ?? 1000, Math.floor(held.length / stack.devices.length));
      const counts = await Promise.all(
        stack.devices.map(async (d, i) => {
          const done = await d.replay(rowsSource(held.slice(i * per, (i + 1) * per)));
          await d.flushTelemetry();
          return done;
        }),
      );
      const predictions = counts.reduce((a, b) => a + b, 0);
      // flushTelemetry waited for the gateway's receipt of every window; the fleet stores them shortly
      // after. The devices keep running (a window timer may close another window meanwhile), so both
      // counts are read together until they agree.
      const sentNow = (): number => stack.devices.reduce((s, d) => s + d.stats().windowsSent, 0);
      let windowsSent = sentNow();
      let windowsStored = stack.fleet.stats().telemetryStored;
      const deadline = Date.now() + 30_000;
      while (windowsStored !== windowsSent && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        windowsSent = sentNow();
        windowsStored = stack.fleet.stats().telemetryStored;
      }
      const { model } = stack;
      const drift = stack.fleet.drift(model.name, { version: model.version });
      const metrics = model.manifest.metrics;
      return {
        model: model.name,
        version: model.version,
        artifactId: model.artifactId,
        algorithm: model.manifest.trainer.algorithm,
        ...(metrics['validation'] ? { validation: metrics['validation'] } : {}),
        ...(metrics['cv'] ? { cv: metrics['cv'] } : {}),
        devicesConverged: stack.devices.filter((d) => d.active()?.artifactId === model.artifactId).length,
        predictions,
        windowsSent,
        windowsStored,
        topPsi: drift.features.slice(0, 3).map((f) => ({ feature: f.feature, psi: f.psi, status: f.status })),
        predictionPsi: { psi: drift.prediction.psi, status: drift.prediction.status },
      };
    } finally {
      await stack.close();
    }
  } finally {
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}
