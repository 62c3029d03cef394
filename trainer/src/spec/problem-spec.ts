/**
 * The problem spec: one `firmware-models/<name>/problem.yaml` per model, framing
 * the problem before any code runs. Objects are strict — an unknown key is an error, so a typo never
 * silently becomes a default. Cleaning and feature steps use the schemas of `steps.ts`; the feature
 * steps live under `feature_steps` (`features` is the column selection).
 */
import { z } from 'zod';
import { isTimeFormat } from '../data/time-format.ts';
import { CleaningStep, FeatureStep } from './steps.ts';

const between01 = { error: 'must be between 0 and 1' };

export const Metric = z.enum(['rmse', 'mae', 'accuracy', 'f1', 'precision', 'recall', 'auc']);
export type Metric = z.infer<typeof Metric>;

export const TaskKind = z.enum(['regression', 'binary', 'multiclass']);

const Role = z.enum(['train', 'test', 'extra-test']);
export type SourceRole = z.infer<typeof Role>;

/**
 * A missing-value code: a cell equal to it is read as missing (a number matches numerically, so
 * `-200` also matches `-200.0`; text matches the trimmed cell exactly, e.g. `"NA"`).
 */
export const MissingCode = z.union([z.number(), z.string()]);
const MissingCodes = z.array(MissingCode).min(1);

/**
 * Paths are relative to the spec file, else to the repository root (see load-spec.ts). `missing`:
 * codes read as missing in every column of this source.
 */
export const CsvSource = z.strictObject({
  csv: z.string().min(1),
  role: Role.default('train'),
  missing: MissingCodes.optional(),
});
export const SqliteSource = z
  .strictObject({
    sqlite: z.string().min(1),
    table: z.string().min(1).optional(),
    query: z.string().min(1).optional(),
    role: Role.default('train'),
    missing: MissingCodes.optional(),
  })
  .refine((s) => (s.table === undefined) !== (s.query === undefined), { error: 'give exactly one of table or query' });
export const DataSource = z.union([CsvSource, SqliteSource]);
export type DataSource = z.infer<typeof DataSource>;

const Label = z.union([z.string().min(1), z.number()]);

/** `target: price` or `target: { column: late, positive: 1 }`; normalised to the object form. */
export const Target = z
  .union([z.string().min(1), z.strictObject({ column: z.string().min(1), positive: Label.optional() })])
  .transform((t) => (typeof t === 'string' ? { column: t } : t));

export const FeatureSelection = z.union([
  z.strictObject({ include: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ exclude: z.array(z.string().min(1)).min(1) }),
]);

export const SplitSpec = z
  .strictObject({
    method: z.enum(['random', 'stratified', 'time']).default('random'),
    /** Stratify on this column (categorical, or numeric with `bins`), or sort by it for 'time'. */
    column: z.string().min(1).optional(),
    /**
     * 'time' only: a second column holding the time of day, joined to `column`'s date with one
     * space before parsing (data/time.ts).
     */
    time_column: z.string().min(1).optional(),
    /**
     * 'time' only: how the time column is written — `iso` (ISO 8601, the default), `epoch-s`,
     * `epoch-ms`, or a pattern such as `DD/MM/YYYY` or `DD/MM/YYYY HH:mm` (data/time.ts).
     */
    format: z
      .string()
      .min(1)
      .refine(isTimeFormat, {
        error: 'not a time format: iso, epoch-s, epoch-ms, or a pattern with YYYY, MM and DD (e.g. DD/MM/YYYY HH:mm)',
      })
      .optional(),
    /** Interior edges for binning a numeric stratification column: value ≤ edge goes below it. */
    bins: z.array(z.number()).min(1).optional(),
    test: z.number().gt(0, between01).lt(1, between01).default(0.2),
    validation: z.number().min(0, between01).lt(1, between01).default(0.2),
  })
  .superRefine((s, ctx) => {
    if (s.method !== 'random' && s.column === undefined)
      ctx.addIssue({ code: 'custom', path: ['column'], message: `required for method ${s.method}` });
    for (const key of ['time_column', 'format'] as const)
      if (s[key] !== undefined && s.method !== 'time')
        ctx.addIssue({ code: 'custom', path: [key], message: 'only used with method time' });
    if (s.bins && s.method !== 'stratified')
      ctx.addIssue({ code: 'custom', path: ['bins'], message: 'only used with method stratified' });
    if (s.bins && s.bins.some((b, i) => i > 0 && b <= (s.bins?.[i - 1] as number)))
      ctx.addIssue({ code: 'custom', path: ['bins'], message: 'edges must increase' });
    if (s.test + s.validation >= 1)
      ctx.addIssue({
        code: 'custom',
        path: ['validation'],
        message: 'test + validation must leave rows for training (sum < 1)',
      });
  });
export type SplitSpec = z.infer<typeof SplitSpec>;

/**
 * Cross-validation. `group` keeps rows that belong together (one day of minute-level readings) in
 * the same fold: shuffled folds put a row's neighbours a minute away on the other side of the split,
 * which rewards memorising the week rather than generalising to the next one. `by: day` takes the
 * `YYYY-MM-DD` prefix of an ISO timestamp; `by: value` the column's value as it is.
 * `select: cv` chooses the final model by the CV score of each tuned candidate instead of its
 * validation score — for data whose validation slice is too small or too easy to tell models apart.
 */
export const CvSpec = z.strictObject({
  folds: z.number().int().min(2, { error: 'must be at least 2' }).optional(),
  group: z.strictObject({ column: z.string().min(1), by: z.enum(['value', 'day']).default('value') }).optional(),
  select: z.enum(['validation', 'cv']).default('validation'),
});
export type CvSpec = z.infer<typeof CvSpec>;

/**
 * Row filters, applied when the data is loaded to every source (train, test, extra-test) alike,
 * before the split — so the training, validation and test rows obey the same rule.
 * `drop_missing`: drop rows with a missing value (after the `missing` codes) in any of `columns`
 * (default: the target). `keep_range`: drop rows whose `column` is outside [min, max] (a missing
 * value is kept; combine with drop_missing to drop it too).
 */
export const RowFilter = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('drop_missing'), columns: z.array(z.string().min(1)).min(1).optional() }),
  z
    .strictObject({
      op: z.literal('keep_range'),
      column: z.string().min(1),
      min: z.number().optional(),
      max: z.number().optional(),
    })
    .refine((f) => f.min !== undefined || f.max !== undefined, { error: 'give min, max or both' })
    .refine((f) => f.min === undefined || f.max === undefined || f.min <= f.max, { error: 'min must be ≤ max' }),
]);
export type RowFilter = z.infer<typeof RowFilter>;

export const SuccessSpec = z.strictObject({
  /** Default: the spec's `metric`. */
  metric: Metric.optional(),
  /** Go when the test metric is at least this good (≤ for rmse/mae, ≥ for the others). */
  threshold: z.number().optional(),
  /** Go only when the model also beats the baseline on the test set. */
  beat_baseline: z.boolean().default(true),
});

export const ProblemSpec = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'must be lower-case letters, digits, - or _' }),
    objective: z.string().min(1),
    task: TaskKind,
    data: z.array(DataSource).min(1),
    target: Target,
    /** Default: every column but the target. */
    features: FeatureSelection.optional(),
    types: z.record(z.string(), z.enum(['numeric', 'categorical'])).default({}),
    /**
     * Missing-value codes: a list for every column of every source (`[-200]`, `["", "NA"]`), or
     * column → list for some columns only. Applied when the data is read, before types are
     * inferred, so `explore`, the split and every step see a missing value.
     */
    missing: z.union([MissingCodes, z.record(z.string().min(1), MissingCodes)]).optional(),
    row_filters: z.array(RowFilter).default([]),
    metric: Metric,
    /** A number to beat (e.g. today's human error), or 'baseline-model' (mean / majority class). */
    baseline: z.union([z.number(), z.literal('baseline-model')]).default('baseline-model'),
    success: SuccessSpec.default({ beat_baseline: true }),
    assumptions: z.array(z.string().min(1)).default([]),
    split: SplitSpec.default({ method: 'random', test: 0.2, validation: 0.2 }),
    cv: CvSpec.default({ select: 'validation' }),
    /**
     * Alternative feature lists compared by CV (name → columns, or `all` for the spec's features):
     * every candidate is cross-validated on every set and the set holding the best candidate is
     * kept for tuning, the ensembles and the artifact (whose inputs are that set's columns).
     */
    feature_sets: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'must be lower-case letters, digits, - or _' }),
        z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]),
      )
      .optional(),
    cleaning: z.array(CleaningStep).default([]),
    feature_steps: z.array(FeatureStep).default([]),
    /**
     * What the device can take; a row over either budget is not chosen, whatever its score.
     * `max_model_bytes`: the size of its float model.onnx (exported from its train-only fit,
     * preprocessing included). `max_latency_us`: the median batch-1 run time of that model.onnx in
     * onnxruntime-web (the device's default engine: one wasm thread), measured on the machine that
     * trains (run/latency-budget.ts).
     */
    constraints: z
      .strictObject({
        max_model_bytes: z.number().int().positive().optional(),
        max_latency_us: z.number().positive().optional(),
      })
      .optional(),
    /**
     * What `--quick` trains (spec/quick-profile.ts): `candidates` replaces the candidate list,
     * `folds`, `shortlist`, `tuning_budget` and `stacking` the run's defaults under --quick (3 folds,
     * 2 tuned, 3 fits each, stacking on). The split and the locked test rows do not change.
     */
    quick: z
      .strictObject({
        candidates: z.record(z.string(), z.unknown()).optional(),
        folds: z.number().int().min(2, { error: 'must be at least 2' }).optional(),
        shortlist: z.number().int().min(1).optional(),
        tuning_budget: z.number().int().min(1).optional(),
        stacking: z.boolean().optional(),
      })
      .optional(),
    seed: z.number().int().default(42),
    quantization: z
      .strictObject({ tolerance: z.number().gt(0).lt(1, between01).default(0.01) })
      .default({ tolerance: 0.01 }),
    /** Learner name → parameter grid; validated by the tuning code, not here. */
    candidates: z.record(z.string(), z.unknown()).optional(),
    /**
     * Retraining in the field (`outpost retrain`, docs/MONITORING.md "Retraining"): a challenger
     * replaces the champion only when its loss on the newest labelled rows (the metric for rmse/mae,
     * 1 − the metric for the others) is at least `margin` lower, relative to the champion's
     * (default 0.02: 2% less error).
     */
    retrain: z.strictObject({ margin: z.number().min(0).lt(1, between01).default(0.02) }).optional(),
  })
  .superRefine((s, ctx) => {
    const regression = s.task === 'regression';
    const regressionMetric = (m: Metric): boolean => m === 'rmse' || m === 'mae';
    if (regression !== regressionMetric(s.metric))
      ctx.addIssue({ code: 'custom', path: ['metric'], message: `${s.metric} does not fit task ${s.task}` });
    if (s.success.metric && regression !== regressionMetric(s.success.metric)) {
      ctx.addIssue({
        code: 'custom',
        path: ['success', 'metric'],
        message: `${s.success.metric} does not fit task ${s.task}`,
      });
    }
    if (s.task === 'multiclass' && s.metric === 'auc')
      ctx.addIssue({ code: 'custom', path: ['metric'], message: 'auc is for binary tasks' });
    if (regression && s.target.positive !== undefined)
      ctx.addIssue({ code: 'custom', path: ['target', 'positive'], message: 'only for classification' });
    const tests = s.data.filter((d) => d.role === 'test').length;
    if (tests > 1) ctx.addIssue({ code: 'custom', path: ['data'], message: 'at most one source may have role test' });
    if (s.data.every((d) => d.role !== 'train'))
      ctx.addIssue({ code: 'custom', path: ['data'], message: 'at least one source must have role train' });
  });
export type ProblemSpec = z.infer<typeof ProblemSpec>;
/** A spec as written (before defaults), e.g. for building one in code. */
export type ProblemSpecInput = z.input<typeof ProblemSpec>;

/** True for metrics where lower is better. */
export function lowerIsBetter(metric: Metric): boolean {
  return metric === 'rmse' || metric === 'mae';
}

/** `a` at least as good as `b` under `metric`. */
export function atLeastAsGood(metric: Metric, a: number, b: number): boolean {
  return lowerIsBetter(metric) ? a <= b : a >= b;
}
