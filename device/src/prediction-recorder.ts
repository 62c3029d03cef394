import { errorMessage, type Clock, type FeatureValue, type Logger, type Manifest } from '@outpost/protocol';
import { confidenceOf } from './confidence.ts';
import type { OutputData } from './inference/engine.ts';
import type { LoggedPrediction, PredictionLog } from './store/prediction-log.ts';

export interface PredictionRecorderOptions {
  log: PredictionLog;
  clock: Clock;
  logger: Logger;
  /** Classification review threshold (top-probability margin). */
  reviewMargin?: number;
  /** Buffered rows are written at least this often (default 200 ms) … */
  flushMs?: number;
  /** … or as soon as this many are waiting (default 1,000). */
  maxBuffered?: number;
  /** How often the log is pruned to its bounds (default every minute). */
  pruneMs?: number;
}

/**
 * Writes every prediction to the prediction log off the request path: each row's entry (with its
 * confidence and review flag) is buffered, and the buffer written in one transaction per flush, so
 * a prediction costs a push, not a disk write. A power cut loses at most the last `flushMs` of log
 * entries (never a prediction's answer, never telemetry). The entries are made when the call is
 * answered, not at the write: keeping each call's engine outputs until then measured about 6 MB
 * more RSS on a device under c=8 load (docs/BENCHMARKS.md, 12:21 run).
 */
export class PredictionRecorder {
  /** Entries made since the last write. */
  private buffer: LoggedPrediction[] = [];
  /** Entries a failed write left, kept for the next one (bounded). */
  private unwritten: LoggedPrediction[] = [];
  private readonly flushTimer: unknown;
  private readonly pruneTimer: unknown;

  constructor(private readonly o: PredictionRecorderOptions) {
    this.flushTimer = o.clock.setInterval(() => this.flush(), o.flushMs ?? 200);
    this.pruneTimer = o.clock.setInterval(() => this.prune(), o.pruneMs ?? 60_000);
  }

  record(
    manifest: Manifest,
    rows: readonly Record<string, FeatureValue>[],
    outputs: Record<string, OutputData>,
    predictions: readonly number[],
    ids: readonly string[],
  ): void {
    entriesOf(manifest, rows, outputs, predictions, ids, this.o.clock.now(), this.o.reviewMargin, this.buffer);
    if (this.buffer.length >= (this.o.maxBuffered ?? 1000)) this.flush();
  }

  /** Writes what is buffered (also before a label is looked up, so a fresh id is found). */
  flush(): void {
    if (this.buffer.length === 0 && this.unwritten.length === 0) return;
    const batch = this.unwritten.length === 0 ? this.buffer : this.unwritten.concat(this.buffer);
    this.buffer = [];
    this.unwritten = [];
    try {
      this.o.log.append(batch);
    } catch (err) {
      // Kept for the next flush, bounded: a log that cannot be written never holds predictions up.
      this.unwritten = batch.slice(-(this.o.maxBuffered ?? 1000) * 10);
      this.o.logger.warn({ err: errorMessage(err), rows: batch.length }, 'prediction log write failed; will retry');
    }
  }

  private prune(): void {
    try {
      this.o.log.prune(this.o.clock.now());
    } catch (err) {
      this.o.logger.warn({ err: errorMessage(err) }, 'prediction log prune failed');
    }
  }

  close(): void {
    this.o.clock.clearInterval(this.flushTimer);
    this.o.clock.clearInterval(this.pruneTimer);
    this.flush();
  }
}

/** The log entries of one predict call: confidence and the review flag per row (confidence.ts). */
function entriesOf(
  manifest: Manifest,
  rows: readonly Record<string, FeatureValue>[],
  outputs: Record<string, OutputData>,
  predictions: readonly number[],
  ids: readonly string[],
  at: number,
  reviewMargin: number | undefined,
  into: LoggedPrediction[],
): void {
  const { confidence, review } = confidenceOf(manifest, rows, outputs, reviewMargin);
  const reviewReason = manifest.task === 'regression' ? 'out-of-range' : 'low-margin';
  for (let i = 0; i < rows.length; i++) {
    const entry: LoggedPrediction = {
      id: ids[i] as string,
      at,
      model: manifest.name,
      version: manifest.version,
      inputs: rows[i] as Record<string, FeatureValue>,
      prediction: predictions[i] as number,
      confidence: confidence[i] ?? null,
      review: review[i] ?? false,
    };
    if (review[i]) entry.reviewReason = reviewReason;
    into.push(entry);
  }
}
