import { LabelMessage, encode, topics, type Clock, type Logger, type Transport } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from './errors.ts';
import type { PredictionRecorder } from './prediction-recorder.ts';
import type { LoggedPrediction, PredictionLog } from './store/prediction-log.ts';
import type { ReceiptDispatcher } from './upstream/receipts.ts';
import { ReceiptedUploader } from './upstream/uploader.ts';

export interface LabelDeskOptions {
  deviceId: string;
  log: PredictionLog;
  recorder: PredictionRecorder;
  transport: Transport;
  /** The device's one subscriber to its `acks` topic: label receipts arrive through it. */
  receipts: ReceiptDispatcher;
  clock: Clock;
  logger: Logger;
  /** First re-send of an unreceipted label (default 5 s, doubling up to 60 s). */
  resendMs?: number;
}

/** The label message for a labelled prediction: what the log holds about it, so the fleet can score the model. */
export function labelMessageOf(deviceId: string, p: LoggedPrediction, now: number): LabelMessage {
  return {
    device: deviceId,
    predictionId: p.id,
    label: p.label as number | string,
    at: new Date(p.labelledAt ?? now).toISOString(),
    // What was predicted, so the fleet can score the model without raw rows.
    prediction: {
      value: p.prediction,
      model: p.model,
      version: p.version,
      at: new Date(p.at).toISOString(),
      confidence: p.confidence,
    },
  };
}

/**
 * Ground truth on the device (docs/DEVICE.md "Prediction log, labels and review"): `POST /label`
 * attaches a label to a logged prediction by id, and the label goes upstream on the device's
 * `labels` topic with what the log holds about the prediction (its gateway relays it to the fleet,
 * which joins the two to score the model, docs/MONITORING.md "Performance").
 *
 * The prediction log's label columns are the outbox: a label stays "unforwarded" — through the
 * broker's PUBACK, through restarts — until the gateway's receipt `{kind:'label', device,
 * predictionId}` says the gateway wrote it to its own outbox (docs/ARCHITECTURE.md "Telemetry").
 * Unreceipted labels are sent again after a back-off and on every reconnect.
 */
export class LabelDesk {
  private readonly uploader: ReceiptedUploader;

  constructor(private readonly o: LabelDeskOptions) {
    this.uploader = new ReceiptedUploader({
      name: 'labels',
      topic: topics.device(o.deviceId, 'labels'),
      transport: o.transport,
      clock: o.clock,
      logger: o.logger.child({ component: 'labels' }),
      pending: (limit) =>
        o.log.unforwardedLabels(limit).map((p) => ({
          key: p.id,
          payload: encode(labelMessageOf(o.deviceId, p, o.clock.now())),
        })),
      delivered: (ids) => o.log.markLabelsForwarded(ids),
      ...(o.resendMs !== undefined ? { resendMs: o.resendMs } : {}),
    });
    o.receipts.on('label', (item) => this.uploader.receipted(item.predictionId));
  }

  /** Throws PREDICTION_UNKNOWN (404) or LABEL_CONFLICT (409); resolves with what happened. */
  label(predictionId: string, label: number | string): 'labelled' | 'unchanged' {
    this.o.recorder.flush();
    const outcome = this.o.log.label(predictionId, label, this.o.clock.now());
    if (outcome === 'unknown')
      throw deviceError(DeviceErrorCodes.PREDICTION_UNKNOWN, `no logged prediction ${predictionId}`, {
        details: { predictionId },
      });
    if (outcome === 'conflict')
      throw deviceError(
        DeviceErrorCodes.LABEL_CONFLICT,
        `prediction ${predictionId} already has a different label; the first label stands`,
        { details: { predictionId, label: this.o.log.get(predictionId)?.label } },
      );
    if (outcome === 'labelled') this.forward();
    return outcome;
  }

  /** Sends labels not yet receipted (also done on every connect and after each receipt). */
  forward(): void {
    this.uploader.kick();
  }

  /** Labels sent and waiting for the gateway's receipt. */
  get unreceipted(): number {
    return this.uploader.unreceipted;
  }

  close(): void {
    this.uploader.close();
  }
}
