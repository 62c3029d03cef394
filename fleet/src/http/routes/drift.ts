import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Id, IsoTime, type FeatureReference, type Manifest, type TelemetryWindow } from '@outpost/protocol';
import { FleetErrorCodes, fleetError } from '../../errors.ts';
import { windowsForDrift } from '../../monitor/hourly-windows.ts';
import { DriftReply, ErrorReply } from '../api-schemas.ts';
import type { ApiContext } from '../route-kit.ts';

const DriftQuery = z.strictObject({
  version: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe('default: the newest version devices sent telemetry for'),
  device: Id.optional().describe('only this device'),
  since: IsoTime.optional().describe('only windows ending at or after this time'),
  until: IsoTime.optional().describe('only windows starting at or before this time'),
});

const fmt = (x: number): string => String(Number(x.toPrecision(4)));

function binLabels(ref: FeatureReference): string[] {
  if (ref.kind === 'categorical') return [...ref.categories, '(unseen)'];
  const e = ref.edges;
  if (e.length === 0) return ['all'];
  return [
    `< ${fmt(e[0] as number)}`,
    ...e.slice(1).map((x, i) => `${fmt(e[i] as number)}–${fmt(x)}`),
    `≥ ${fmt(e.at(-1) as number)}`,
  ];
}

const normalise = (counts: number[]): number[] => {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (n > 0 ? c / n : 0));
};

/** Reference vs observed frequencies per feature and for the prediction, over the same windows the report read. */
export function driftHistograms(manifest: Manifest, windows: readonly TelemetryWindow[]) {
  const out: Record<string, { bins: string[]; reference: number[]; current: number[]; rows: number }> = {};
  const sum = (bins: number[], acc: number[]): void => {
    if (bins.length === acc.length) bins.forEach((c, i) => (acc[i] = (acc[i] ?? 0) + c));
  };
  for (const [name, ref] of Object.entries(manifest.reference.features)) {
    const reference = ref.kind === 'numeric' ? [...ref.freqs] : [...ref.freqs, 0];
    const acc = reference.map(() => 0);
    for (const w of windows) {
      const f = w.features[name];
      if (!f || f.kind !== ref.kind) continue;
      sum(f.kind === 'numeric' ? f.bins : [...f.counts, f.unseen], acc);
    }
    out[name] = { bins: binLabels(ref), reference, current: normalise(acc), rows: acc.reduce((a, b) => a + b, 0) };
  }
  const pref = manifest.reference.prediction;
  const pacc = pref.freqs.map(() => 0);
  for (const w of windows) sum(w.predictions.bins, pacc);
  out['(prediction)'] = {
    bins: binLabels(pref),
    reference: [...pref.freqs],
    current: normalise(pacc),
    rows: pacc.reduce((a, b) => a + b, 0),
  };
  return out;
}

/** Drift (docs/ARCHITECTURE.md "Drift"): the CLI's report, plus the histograms the dashboard draws. */
export function driftRoutes(_app: FastifyInstance, ctx: ApiContext): void {
  ctx.route({
    method: 'get',
    path: '/api/v1/models/:name/drift',
    summary: 'drift of a model version against its reference: PSI and Jensen–Shannon per feature, histograms',
    role: 'viewer',
    params: z.strictObject({ name: Id }),
    query: DriftQuery,
    responses: {
      200: { description: 'the drift report', schema: DriftReply },
      404: { description: 'unknown model or version, or no telemetry in the range', schema: ErrorReply },
    },
    handler: ({ params, query }) => {
      const range = {
        ...(query.device !== undefined ? { device: query.device } : {}),
        ...(query.since !== undefined ? { since: query.since } : {}),
        ...(query.until !== undefined ? { until: query.until } : {}),
      };
      const report = ctx.fleet.drift(params.name, {
        ...range,
        ...(query.version !== undefined ? { version: query.version } : {}),
      });
      if (report.windows === 0) {
        const running = ctx.fleet.store.telemetryVersions({ model: params.name, ...range });
        throw fleetError(
          FleetErrorCodes.NO_DEVICE_RUNS_VERSION,
          `no device sent telemetry for ${params.name} v${report.version}${query.since || query.until ? ' in that time range' : ''}`,
          { model: params.name, version: report.version, running },
        );
      }
      const manifest = ctx.fleet.store.findArtifact(params.name, report.version)?.manifest;
      const windows = windowsForDrift(
        ctx.fleet.store,
        { model: params.name, version: report.version, ...range },
        true,
        ctx.fleet.db,
      );
      return { ...report, histograms: manifest ? driftHistograms(manifest, windows) : {} };
    },
  });
}
