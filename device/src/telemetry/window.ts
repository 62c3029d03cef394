import {
  LATENCY_BOUNDS_MS,
  binIndex,
  type FeatureCounts,
  type FeatureValue,
  type Manifest,
  type TelemetryWindow,
} from '@outpost/protocol';
import { ShadowWindowAccumulator, type ShadowModelRef } from './shadow-window.ts';

interface NumericAcc {
  kind: 'numeric';
  name: string;
  edges: readonly number[];
  range: readonly [number, number] | undefined;
  bins: number[];
  missing: number;
  outOfRange: number;
  /** Smallest and largest value seen (a stuck sensor shows min = max; docs/MONITORING.md "Data quality"). */
  min: number | null;
  max: number | null;
}
interface CategoricalAcc {
  kind: 'categorical';
  name: string;
  index: Map<string, number>;
  counts: number[];
  missing: number;
  unseen: number;
}

/** The model a window describes. */
export interface WindowModel {
  name: string;
  version: number;
  artifactId: string;
  manifest: Manifest;
}

/**
 * One telemetry window being aggregated (docs/ARCHITECTURE.md "Telemetry"): counts over the active
 * manifest's reference profile, never raw rows. Numeric features bin with `binIndex` over the
 * reference edges; string features count per reference category (in the reference's order).
 */
export class TelemetryWindowAccumulator {
  readonly model: WindowModel;
  readonly startMs: number;
  rows = 0;
  errors = 0;
  private readonly features: (NumericAcc | CategoricalAcc)[] = [];
  private readonly predEdges: readonly number[];
  private readonly predBins: number[];
  private predMin: number | null = null;
  private predMax: number | null = null;
  private predSum = 0;
  private readonly latency = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  private latencyMax = 0;
  /** The shadow candidate's comparison, while one runs (the latest candidate's, if it changed). */
  private shadow: ShadowWindowAccumulator | undefined;

  constructor(model: WindowModel, startMs: number) {
    this.model = model;
    this.startMs = startMs;
    const { manifest } = model;
    for (const input of manifest.inputs) {
      const ref = manifest.reference.features[input.name];
      if (ref?.kind === 'numeric' || (!ref && input.type === 'float')) {
        const edges = ref?.kind === 'numeric' ? ref.edges : [];
        this.features.push({
          kind: 'numeric',
          name: input.name,
          edges,
          range: input.range,
          bins: new Array<number>(edges.length + 1).fill(0),
          missing: 0,
          outOfRange: 0,
          min: null,
          max: null,
        });
      } else {
        const categories = ref?.kind === 'categorical' ? ref.categories : (input.categories ?? []);
        this.features.push({
          kind: 'categorical',
          name: input.name,
          index: new Map(categories.map((c, i) => [c, i])),
          counts: new Array<number>(categories.length).fill(0),
          missing: 0,
          unseen: 0,
        });
      }
    }
    this.predEdges = manifest.reference.prediction.edges;
    this.predBins = new Array<number>(this.predEdges.length + 1).fill(0);
  }

  /** Counts one predicted row; `latencyMs` is this row's share of its batch's latency. */
  add(row: Record<string, FeatureValue>, prediction: number, latencyMs: number): void {
    this.rows++;
    for (const f of this.features) {
      const v = row[f.name];
      if (f.kind === 'numeric') {
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          f.missing++;
          continue;
        }
        (f.bins[binIndex(f.edges, v)] as number)++;
        if (f.min === null || v < f.min) f.min = v;
        if (f.max === null || v > f.max) f.max = v;
        if (f.range && (v < f.range[0] || v > f.range[1])) f.outOfRange++;
      } else {
        if (v === null || v === undefined || v === '') {
          f.missing++;
          continue;
        }
        const i = f.index.get(typeof v === 'string' ? v : String(v));
        if (i === undefined) f.unseen++;
        else (f.counts[i] as number)++;
      }
    }
    if (Number.isFinite(prediction)) {
      (this.predBins[binIndex(this.predEdges, prediction)] as number)++;
      this.predMin = this.predMin === null ? prediction : Math.min(this.predMin, prediction);
      this.predMax = this.predMax === null ? prediction : Math.max(this.predMax, prediction);
      this.predSum += prediction;
    }
    this.addLatency(latencyMs);
  }

  addLatency(ms: number): void {
    const v = Math.max(0, ms);
    let i = 0;
    while (i < LATENCY_BOUNDS_MS.length && v > (LATENCY_BOUNDS_MS[i] as number)) i++;
    (this.latency[i] as number)++;
    if (v > this.latencyMax) this.latencyMax = v;
  }

  /** The shadow accumulator of `candidate` in this window (a new candidate starts afresh). */
  shadowOf(candidate: ShadowModelRef): ShadowWindowAccumulator {
    if (this.shadow?.model.artifactId !== candidate.artifactId) this.shadow = new ShadowWindowAccumulator(candidate);
    return this.shadow;
  }

  /** The window as the protocol's TelemetryWindow message. */
  toMessage(device: string, seq: number, endMs: number): TelemetryWindow {
    const features: Record<string, FeatureCounts> = {};
    for (const f of this.features) {
      features[f.name] =
        f.kind === 'numeric'
          ? {
              kind: 'numeric',
              bins: [...f.bins],
              missing: f.missing,
              outOfRange: f.outOfRange,
              ...(f.min !== null && f.max !== null ? { min: f.min, max: f.max } : {}),
            }
          : { kind: 'categorical', counts: [...f.counts], missing: f.missing, unseen: f.unseen };
    }
    return {
      device,
      seq,
      model: this.model.name,
      version: this.model.version,
      artifactId: this.model.artifactId,
      windowStart: new Date(this.startMs).toISOString(),
      windowEnd: new Date(Math.max(endMs, this.startMs)).toISOString(),
      rows: this.rows,
      features,
      predictions: { bins: [...this.predBins], min: this.predMin, max: this.predMax, sum: this.predSum },
      latency: { counts: [...this.latency], maxMs: this.latencyMax },
      errors: this.errors,
      ...(this.shadow ? { shadow: this.shadow.toStats() } : {}),
    };
  }
}
