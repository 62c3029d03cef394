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

/** One predict call as it was answered, turned into log entries when the buffer is written. */
interface Answered {
  manifest: Manifest;
  rows: readonly Record<string, FeatureValue>[];
  outputs: Record<string, OutputData>;
  predictions: readonly number[];
  ids: readonly string[];
  at: number;
}

/**
 * Writes every prediction to the prediction log off the request path: a predict call is kept as
 * it was answered (one push), and turned into entries — confidence, review flag — and written in
 * one transaction per flush, so a prediction costs a push, not a disk write. A power cut
 * loses at most the last `flushMs` of log entries (never a prediction's answer, never telemetry).
 */
export class PredictionRecorder {
  /** Calls answered since the last write: a request only pushes here. */
  private answered: Answered[] = [];
  private answeredRows = 0;
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
    this.answered.push({ manifest, rows, outputs, predictions, ids, at: this.o.clock.now() });
    this.answeredRows += rows.length;
    if (this.answeredRows >= (this.o.maxBuffered ?? 1000)) this.flush();
  }

  /** Writes what is buffered (also before a label is looked up, so a fresh id is found). */
  flush(): void {
    if (this.answered.length === 0 && this.unwritten.length === 0) return;
    const batch = this.unwritten;
    for (const a of this.answered) entriesOf(a, this.o.reviewMargin, batch);
    this.answered = [];
    this.answeredRows = 0;
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

/** The log entries of one answered call: confidence and the review flag per row (confidence.ts). */
function entriesOf(a: Answered, reviewMargin: number | undefined, into: LoggedPrediction[]): void {
  const { manifest, rows } = a;
  const { confidence, review } = confidenceOf(manifest, rows, a.outputs, reviewMargin);
  const reviewReason = manifest.task === 'regression' ? 'out-of-range' : 'low-margin';
  for (let i = 0; i < rows.length; i++) {
    const entry: LoggedPrediction = {
      id: a.ids[i] as string,
      at: a.at,
      model: manifest.name,
      version: manifest.version,
      inputs: rows[i] as Record<string, FeatureValue>,
      prediction: a.predictions[i] as number,
      confidence: confidence[i] ?? null,
      review: review[i] ?? false,
    };
    if (review[i]) entry.reviewReason = reviewReason;
    into.push(entry);
  }
}
