import { randomBytes } from 'node:crypto';
import { OutpostError, type FeatureValue } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from './errors.ts';
import type { LoadedModel } from './slots.ts';
import type { DeviceMetrics } from './metrics.ts';
import type { PredictionRecorder } from './prediction-recorder.ts';
import type { RunResult } from './inference/engine.ts';
import type { Shadow } from './shadow/shadow.ts';
import type { TelemetryPublisher } from './telemetry/publisher.ts';

export interface PredictionResult {
  model: string;
  version: number;
  predictions: number[];
  /** One id per row, for labels that arrive later and name the prediction they label. */
  ids: string[];
}

export interface PredictorOptions {
  active: () => LoadedModel | undefined;
  telemetry: TelemetryPublisher;
  /** Milliseconds for latency; fractional where the source allows it. */
  now: () => number;
  /** Prefix of prediction ids (default: the device id plus a random boot tag). */
  idPrefix: string;
  /** Prometheus counters and the latency histogram (`GET /metrics`). */
  metrics?: DeviceMetrics;
  /** The prediction log's writer (inputs, output, confidence per row). */
  recorder?: PredictionRecorder;
  /** Shadow mode: the candidate scores the rows after the active model answered (never served). */
  shadow?: Pick<Shadow, 'score'>;
}

/**
 * The one path every prediction takes, HTTP or replay: run the active session, measure latency,
 * feed the telemetry window.
 */
export class Predictor {
  private count = 0;
  private readonly prefix: string;

  constructor(private readonly o: PredictorOptions) {
    this.prefix = `${o.idPrefix}-${randomBytes(4).toString('hex')}`;
  }

  get predictions(): number {
    return this.count;
  }

  async predict(rows: Record<string, FeatureValue>[]): Promise<PredictionResult> {
    const model = this.o.active();
    if (!model) throw deviceError(DeviceErrorCodes.NO_MODEL, 'no model is active yet');
    if (rows.length === 0) throw deviceError(DeviceErrorCodes.INPUT_INVALID, 'no rows to predict');
    const t0 = this.o.now();
    let result: RunResult;
    try {
      result = await model.session.run(rows);
    } catch (err) {
      this.o.telemetry.recordErrors(rows.length);
      this.o.metrics?.failed(model.name, model.version, rows.length);
      if (err instanceof OutpostError) throw err;
      throw deviceError(DeviceErrorCodes.INFERENCE_FAILED, `inference failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const { predictions } = result;
    const latencyMs = this.o.now() - t0;
    this.o.telemetry.record(rows, predictions, latencyMs);
    this.o.metrics?.predicted(model.name, model.version, rows.length, latencyMs / 1000);
    const ids = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) ids[i] = `${this.prefix}-${(++this.count).toString(36)}`;
    this.o.recorder?.record(model.manifest, rows, result.outputs, predictions, ids);
    this.o.shadow?.score(rows, predictions);
    return { model: model.name, version: model.version, predictions, ids };
  }
}
