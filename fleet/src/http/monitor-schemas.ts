/**
 * zod schemas of the monitoring routes (docs/MONITORING.md "API"): the queries they take and the
 * replies they give, which are the objects `outpost drift|quality|performance|alerts --json` print.
 */
import { z } from 'zod';
import { Id, IsoTime } from '@outpost/protocol';

/** `1h`, `1d`, `15m`, or a sliding `1d/1h` (a 1 d window every hour). */
export const WindowText = z
  .string()
  .regex(/^\d{1,4}[mhd](\/\d{1,4}[mhd])?$/, 'a window such as 1h, 1d or 1d/1h')
  .describe('window length, optionally /step: 1h, 1d, 1d/1h');

const Range = {
  version: z.coerce.number().int().positive().optional().describe('default: the newest version with data'),
  since: IsoTime.optional().describe('only windows ending at or after this time'),
  until: IsoTime.optional().describe('only windows starting at or before this time'),
};

export const DriftSeriesQuery = z.strictObject({
  ...Range,
  window: WindowText.default('1h'),
  by: z.enum(['model', 'device', 'site']).default('model').describe('one series for the model, per device or per site'),
  device: Id.optional().describe('only this device'),
});

export const QualityQuery = z.strictObject({ ...Range, window: WindowText.default('1h') });

export const PerformanceQuery = z.strictObject({
  ...Range,
  window: WindowText.default('1d'),
  by: z.enum(['model', 'device']).default('model'),
});

const WindowSpec = z.strictObject({ sizeMs: z.number().int().positive(), stepMs: z.number().int().positive() });
const Status = z.enum(['ok', 'moderate', 'major', 'insufficient']);
const Nullable = z.number().nullable();

const FeatureDrift = z.strictObject({
  feature: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  rows: z.number().int(),
  psi: Nullable,
  js: Nullable,
  chi2: z.strictObject({ statistic: z.number(), df: z.number().int(), pValue: z.number() }).nullable(),
  ks: z.strictObject({ statistic: z.number(), pValue: z.number() }).nullable(),
  status: Status,
});

export const DriftSeriesReply = z.strictObject({
  model: Id,
  version: z.number().int(),
  by: z.enum(['model', 'device', 'site']),
  window: WindowSpec,
  thresholds: z.strictObject({
    moderate: z.number(),
    major: z.number(),
    minRows: z.number(),
    epsilon: z.number(),
  }),
  points: z.array(
    z.strictObject({
      start: IsoTime,
      end: IsoTime,
      group: z.string().optional(),
      windows: z.number().int(),
      rows: z.number().int(),
      features: z.array(FeatureDrift),
      prediction: FeatureDrift,
      status: Status,
      maxPsi: z.strictObject({ feature: z.string(), psi: z.number() }).nullable(),
    }),
  ),
  mismatched: z.number().int(),
});

const QualityKind = z.enum(['stuck', 'missing-spike', 'out-of-range-spike', 'unseen-category', 'site-outlier']);

export const QualityReply = z.strictObject({
  model: Id,
  version: z.number().int(),
  window: WindowSpec,
  thresholds: z.strictObject({
    minRows: z.number(),
    spikeDelta: z.number(),
    historyWindows: z.number(),
    unseenRate: z.number(),
    sitePsi: z.number(),
  }),
  points: z.array(
    z.strictObject({
      device: z.string(),
      site: z.string(),
      start: IsoTime,
      end: IsoTime,
      rows: z.number().int(),
      status: z.enum(['ok', 'findings', 'insufficient']),
    }),
  ),
  findings: z.array(
    z.strictObject({
      kind: QualityKind,
      device: z.string(),
      site: z.string(),
      feature: z.string(),
      start: IsoTime,
      end: IsoTime,
      value: Nullable,
      baseline: z.number().optional(),
    }),
  ),
});

export const PerformanceReply = z.strictObject({
  model: Id,
  version: z.number().int(),
  task: z.string(),
  band: z
    .strictObject({ metric: z.string(), value: z.number(), low: z.number(), high: z.number(), source: z.string() })
    .nullable()
    .describe("the model's test figure and its 95% interval: the reference band"),
  window: WindowSpec,
  by: z.enum(['model', 'device']),
  minLabels: z.number().int(),
  points: z.array(
    z.strictObject({
      start: IsoTime,
      end: IsoTime,
      group: z.string().optional(),
      labels: z.number().int(),
      metrics: z.record(z.string(), z.number()),
      value: Nullable,
      status: z.enum(['ok', 'worse', 'better', 'insufficient']),
      inputDrift: Status.nullable(),
      conceptDrift: z.boolean(),
    }),
  ),
  unjoined: z.number().int(),
});

export const AlertStateEnum = z.enum(['pending', 'firing', 'acknowledged', 'resolved']);

export const AlertReply = z.strictObject({
  id: z.string(),
  key: z.string(),
  metric: z.enum(['drift.psi', 'drift.prediction', 'quality', 'performance']),
  scope: z.enum(['model', 'device', 'site']),
  model: Id,
  version: z.number().int(),
  subject: z.string().optional(),
  severity: z.enum(['warning', 'critical']),
  state: AlertStateEnum,
  summary: z.string(),
  value: Nullable,
  threshold: Nullable,
  since: IsoTime,
  firedAt: IsoTime.optional(),
  acknowledgedAt: IsoTime.optional(),
  acknowledgedBy: z.string().optional(),
  resolvedAt: IsoTime.optional(),
  updatedAt: IsoTime,
});

export const AlertsQuery = z.strictObject({
  state: z
    .string()
    .regex(/^(pending|firing|acknowledged|resolved)(,(pending|firing|acknowledged|resolved))*$/)
    .optional()
    .describe('comma-separated states; default every state'),
  model: Id.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('at most this many (1–1000, default 100)'),
  cursor: z.string().max(512).optional().describe('`nextCursor` of the previous page'),
});

export const AckBody = z.strictObject({
  reason: z.string().min(1).max(1000).optional().describe('why (logged with the acknowledgement)'),
});
