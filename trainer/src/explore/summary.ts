/**
 * The explore summary: per-column statistics, association with the target, duplicates and the
 * warnings a human must read before training — capped values, leakage (a feature that alone
 * predicts the target, an ID-like column that tracks it), stuck / floor / ceiling runs
 * (quality.ts) and, for a split by time, features that drift or leave the training range in later
 * periods (drift.ts).
 */
import type { Column } from '../data/dataset.ts';
import { encodeTarget, specFeatureColumns, type Table } from '../data/load.ts';
import type { ProblemSpec } from '../spec/problem-spec.ts';
import {
  associate,
  oneFeatureAccuracy,
  orderValues,
  pureRunAtEnds,
  type Association,
  type TargetView,
} from './association.ts';
import { columnStats, type ColumnStats } from './column-stats.ts';
import { DRIFT_PSI, OUT_OF_RANGE_SHARE, featureDrift, type FeatureDrift } from './drift.ts';
import { columnQuality, type ColumnQuality } from './quality.ts';

export type ColumnRole = 'target' | 'feature' | 'excluded';

export interface ColumnSummary extends ColumnStats {
  role: ColumnRole;
  association?: Association;
  /** Classification: accuracy of the best rule on this column alone. */
  oneFeatureAccuracy?: number;
  /** Stuck / floor / ceiling runs and a spike at the minimum (quality.ts). */
  quality?: ColumnQuality;
}

/** Periods of a split by time, for the drift check (drift.ts). */
export interface ExplorePeriods {
  train: Table;
  validation?: Table;
  /** The locked test period: its FEATURES only (the target column is removed before this point). */
  test?: Table;
}

export interface ExploreContext {
  /** Row indices of the explored table in time order (default: file order). */
  order?: number[];
  periods?: ExplorePeriods;
}

export interface DriftSummary {
  /** What was compared, said in the report. */
  note: string;
  features: FeatureDrift[];
}

export type WarningKind =
  | 'capped'
  | 'leak-feature'
  | 'leak-id'
  | 'duplicates'
  | 'constant'
  | 'stuck'
  | 'floor'
  | 'ceiling'
  | 'drift'
  | 'out-of-range';

export interface ExploreWarning {
  kind: WarningKind;
  column?: string;
  message: string;
}

export interface ExploreSummary {
  name: string;
  objective: string;
  task: ProblemSpec['task'];
  target: string;
  metric: string;
  rows: number;
  /** Said in the report: which rows were explored (the locked test rows are not). */
  scope: string;
  columns: ColumnSummary[];
  duplicates: number;
  /** Duplicates once ID-like columns are ignored (present when there are such columns). */
  duplicatesIgnoringIds?: number;
  /** Split by time: how each feature moves from the training period to the later ones. */
  drift?: DriftSummary;
  warnings: ExploreWarning[];
}

/** |r| or η above this for one feature, alone, against a numeric target: suspiciously perfect. */
export const LEAK_CORRELATION = 0.95;
/** One-feature rule accuracy above this (and well above the majority class): suspiciously perfect. */
export const LEAK_ACCURACY = 0.98;
/** An ID-like column whose |association| with the target reaches this is a leak. */
export const ID_LEAK_CORRELATION = 0.1;
/** …or whose order starts or ends with a run of one class this long (share of rows). */
export const ID_LEAK_RUN_SHARE = 0.05;

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, ''));

export function exploreSummary(
  spec: ProblemSpec,
  table: Table,
  scope = 'all rows given',
  context: ExploreContext = {},
): ExploreSummary {
  const order = context.order ?? Array.from({ length: table.rowCount }, (_, i) => i);
  const targetName = spec.target.column;
  const features = new Set(
    specFeatureColumns(
      spec,
      table.columns.map((c) => c.name),
    ),
  );
  const target = targetView(spec, table);
  const classification = spec.task !== 'regression';
  const k = target?.classes?.length ?? 0;
  const majority = target && classification ? majorityShare(target.values, k) : NaN;
  const warnings: ExploreWarning[] = [];
  const columns = table.columns.map((col): ColumnSummary => {
    const role: ColumnRole = col.name === targetName ? 'target' : features.has(col.name) ? 'feature' : 'excluded';
    const s: ColumnSummary = { ...columnStats(col), role };
    if (role !== 'target' && target) {
      // An ID-like column is judged by its order: as categories every value is its own group.
      s.association = associate(s.idLike ? { kind: 'numeric', name: col.name, values: orderValues(col) } : col, target);
      if (classification && !s.idLike) s.oneFeatureAccuracy = oneFeatureAccuracy(col, target.values, k);
    }
    if (role !== 'target' || spec.task === 'regression') {
      const quality = columnQuality(col, order, table.lines);
      if (quality.stuck || quality.floor) s.quality = quality;
    }
    warnings.push(...columnWarnings(s, col, target, spec, majority));
    warnings.push(...qualityWarnings(s));
    return s;
  });
  const duplicates = countDuplicates(table.columns);
  const idColumns = columns.filter((c) => c.idLike && c.role !== 'target').map((c) => c.name);
  const summary: ExploreSummary = {
    name: spec.name,
    objective: spec.objective.trim(),
    task: spec.task,
    target: targetName,
    metric: spec.metric,
    rows: table.rowCount,
    scope,
    columns,
    duplicates,
    warnings,
  };
  if (context.periods) {
    summary.drift = driftSummary(context.periods, features);
    warnings.push(...driftWarnings(summary.drift));
  }
  if (idColumns.length > 0)
    summary.duplicatesIgnoringIds = countDuplicates(table.columns.filter((c) => !idColumns.includes(c.name)));
  if (duplicates > 0)
    warnings.push({ kind: 'duplicates', message: `${duplicates} rows duplicate an earlier row exactly` });
  else if ((summary.duplicatesIgnoringIds ?? 0) > 0) {
    warnings.push({
      kind: 'duplicates',
      message: `${summary.duplicatesIgnoringIds} rows duplicate an earlier row once the ID-like columns (${idColumns.join(', ')}) are ignored`,
    });
  }
  return summary;
}

function qualityWarnings(s: ColumnSummary): ExploreWarning[] {
  const out: ExploreWarning[] = [];
  const where = s.role === 'target' ? 'the target ' : s.role === 'excluded' ? '(excluded from features) ' : '';
  const run = s.quality?.stuck;
  if (run) {
    const what =
      run.kind === 'stuck'
        ? 'stuck at one value — a frozen sensor reads the same number for hours'
        : `at its ${run.kind === 'floor' ? 'minimum' : 'maximum'} the whole time — a sensor at its ${run.kind}, or stuck there`;
    out.push({
      kind: run.kind,
      column: s.name,
      message: `${where}${s.name}: ${run.rows} consecutive rows (lines ${run.firstLine}–${run.lastLine}) read ${num(run.value)}, ${what}; consider a missing-value code or a row filter for that stretch`,
    });
  }
  const floor = s.quality?.floor;
  if (floor && run?.kind !== 'floor') {
    out.push({
      kind: 'floor',
      column: s.name,
      message: `${where}${s.name}: ${floor.count} rows (${pct(floor.share)}) exactly at the minimum ${num(floor.value)} — a floor (a sensor that cannot read lower, or a code for "no reading")`,
    });
  }
  return out;
}

function driftSummary(periods: ExplorePeriods, features: ReadonlySet<string>): DriftSummary {
  const later = (t: Table | undefined, name: string): Column | undefined => t?.columns.find((c) => c.name === name);
  const rows = (t: Table | undefined): number => t?.rowCount ?? 0;
  return {
    note: `features of the training (${rows(periods.train)} rows), validation (${rows(periods.validation)}) and test (${rows(periods.test)}) periods compared; the test period's target is never read`,
    features: periods.train.columns
      .filter((c) => features.has(c.name))
      .map((c) => {
        const v = later(periods.validation, c.name);
        const t = later(periods.test, c.name);
        return featureDrift(c, { ...(v ? { validation: v } : {}), ...(t ? { test: t } : {}) });
      }),
  };
}

function driftWarnings(drift: DriftSummary): ExploreWarning[] {
  const out: ExploreWarning[] = [];
  for (const f of drift.features) {
    const shifted = (['validation', 'test'] as const).filter((p) => (f[p]?.psi ?? 0) >= DRIFT_PSI);
    if (shifted.length > 0) {
      const psi = shifted.map((p) => `${p} ${(f[p]?.psi as number).toFixed(2)}`).join(', ');
      out.push({
        kind: 'drift',
        column: f.column,
        message: `${f.column}: its distribution moves over time (PSI vs the training period: ${psi}; ≥ ${DRIFT_PSI} is a shift to act on) — a drifting sensor or a changed process; the model learns the training period's relation`,
      });
    }
    const outside = (['validation', 'test'] as const).filter((p) => (f[p]?.outsideRange ?? 0) > OUT_OF_RANGE_SHARE);
    if (outside.length > 0) {
      const shares = outside.map((p) => `${p} ${pct(f[p]?.outsideRange as number)}`).join(', ');
      out.push({
        kind: 'out-of-range',
        column: f.column,
        message: `${f.column}: later rows fall outside the training range (${shares} of the period's rows) — trees predict flat there, linear models extrapolate`,
      });
    }
  }
  return out;
}

function targetView(spec: ProblemSpec, table: Table): TargetView | undefined {
  try {
    const enc = encodeTarget(table, spec);
    return enc.classes ? { values: enc.values, classes: enc.classes } : { values: enc.values };
  } catch {
    // A target that does not fit the task is reported by the loader; explore still shows the columns.
    return undefined;
  }
}

function majorityShare(classes: Float64Array, k: number): number {
  const counts = new Array<number>(k).fill(0);
  for (const c of classes) counts[c] = (counts[c] as number) + 1;
  return Math.max(...counts) / classes.length;
}

function columnWarnings(
  s: ColumnSummary,
  col: Column,
  target: TargetView | undefined,
  spec: ProblemSpec,
  majority: number,
): ExploreWarning[] {
  const out: ExploreWarning[] = [];
  const where = s.role === 'target' ? 'the target ' : s.role === 'excluded' ? '(excluded from features) ' : '';
  if (s.capped) {
    const c = s.capped;
    const below = c.below ? `; the next value down, ${num(c.below.value)}, has ${c.below.count}` : '';
    const advice =
      s.role === 'target'
        ? ' — the model cannot learn values above the cap: flag or drop these rows (cleaning step `capped`)'
        : '';
    out.push({
      kind: 'capped',
      column: s.name,
      message: `${where}${s.name}: ${c.count} rows (${pct(c.share)}) exactly at the maximum ${num(c.value)}${below} — capped values${advice}`,
    });
  }
  if (s.distinct <= 1 && s.role !== 'target')
    out.push({
      kind: 'constant',
      column: s.name,
      message: `${where}${s.name} has a single value: it carries no information`,
    });
  if (s.role === 'target' || !target) return out;
  const a = s.association;
  if (s.idLike) {
    const idWarning = idLeak(s, col, target, spec);
    if (idWarning) out.push({ kind: 'leak-id', column: s.name, message: `${where}${idWarning}` });
    return out;
  }
  if (spec.task === 'regression') {
    if (a && Math.abs(a.value) > LEAK_CORRELATION) {
      out.push({
        kind: 'leak-feature',
        column: s.name,
        message: `${where}${s.name} alone predicts the target almost perfectly (${a.measure} ${a.value.toFixed(3)}): check it is known at prediction time`,
      });
    }
  } else if (
    s.oneFeatureAccuracy !== undefined &&
    s.oneFeatureAccuracy > Math.max(LEAK_ACCURACY, majority + (1 - majority) / 2)
  ) {
    out.push({
      kind: 'leak-feature',
      column: s.name,
      message: `${where}${s.name} alone predicts the target with ${pct(s.oneFeatureAccuracy)} accuracy (majority class ${pct(majority)}): a leak, or a problem too easy to prove much`,
    });
  }
  return out;
}

function idLeak(s: ColumnSummary, col: Column, target: TargetView, spec: ProblemSpec): string | undefined {
  const order = orderValues(col);
  const a = s.association ?? associate({ kind: 'numeric', name: col.name, values: order }, target);
  const what = col.kind === 'numeric' ? 'all distinct integers or in file order' : 'all distinct values';
  const parts: string[] = [];
  if (Math.abs(a.value) >= ID_LEAK_CORRELATION)
    parts.push(`its order correlates with the target (${a.measure} ${a.value.toFixed(2)})`);
  if (spec.task !== 'regression' && target.classes) {
    const run = pureRunAtEnds(order, target.values);
    const n = target.values.length;
    if (run && run.rows >= Math.max(20, ID_LEAK_RUN_SHARE * n)) {
      const label = target.classes[run.classIndex] as string;
      const bound =
        col.kind === 'numeric'
          ? `${s.name} ${run.side === 'low' ? '≤' : '≥'} ${num(run.bound)}`
          : `the ${run.side === 'low' ? 'first' : 'last'} ${run.rows} rows in ${s.name} order`;
      parts.push(`rows with ${bound} (${run.rows} rows, ${pct(run.rows / n)}) all have target ${label}`);
    }
  }
  if (parts.length === 0) return undefined;
  const use = s.role === 'feature' ? 'It is currently a FEATURE: exclude it.' : 'Keep it out of the features.';
  return `ID-like column ${s.name} (${what}): ${parts.join('; ')} — the row order leaks the label. ${use}`;
}

function countDuplicates(columns: readonly Column[]): number {
  const n = columns[0] ? columns[0].values.length : 0;
  const seen = new Set<string>();
  let dup = 0;
  for (let r = 0; r < n; r++) {
    const key = columns.map((c) => String(c.values[r])).join('\u001f');
    if (seen.has(key)) dup++;
    else seen.add(key);
  }
  return dup;
}
