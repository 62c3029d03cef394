import { LabelMessage, encode, errorMessage, topics, type Clock, type Logger, type Transport } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from './errors.ts';
import type { PredictionRecorder } from './prediction-recorder.ts';
import type { PredictionLog } from './store/prediction-log.ts';

export interface LabelDeskOptions {
  deviceId: string;
  log: PredictionLog;
  recorder: PredictionRecorder;
  transport: Transport;
  clock: Clock;
  logger: Logger;
}

/**
 * Ground truth on the device (docs/DEVICE.md "Prediction log, labels and review"): `POST /label`
 * attaches a label to a logged prediction by id, and the label goes upstream on the device's
 * `labels` topic with what the log holds about the prediction (its gateway relays it to the fleet,
 * which joins the two to score the model, docs/MONITORING.md "Performance"). Labels not yet
 * handed over are sent again on every reconnect.
 */
export class LabelDesk {
  private sending = false;

  constructor(private readonly o: LabelDeskOptions) {
    o.transport.on('connect', () => void this.forward());
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
    if (outcome === 'labelled') void this.forward();
    return outcome;
  }

  /** Publishes every label not yet handed upstream (QoS 1), oldest first. */
  async forward(): Promise<void> {
    if (this.sending || !this.o.transport.connected) return;
    this.sending = true;
    try {
      for (;;) {
        const batch = this.o.log.unforwardedLabels(100);
        if (batch.length === 0) return;
        for (const p of batch) {
          const message: LabelMessage = {
            device: this.o.deviceId,
            predictionId: p.id,
            label: p.label as number | string,
            at: new Date(p.labelledAt ?? this.o.clock.now()).toISOString(),
            // What was predicted, so the fleet can score the model without raw rows.
            prediction: {
              value: p.prediction,
              model: p.model,
              version: p.version,
              at: new Date(p.at).toISOString(),
              confidence: p.confidence,
            },
          };
          await this.o.transport.publish(topics.device(this.o.deviceId, 'labels'), encode(message), { qos: 1 });
          this.o.log.markLabelsForwarded([p.id]);
        }
      }
    } catch (err) {
      this.o.logger.warn({ err: errorMessage(err) }, 'label not forwarded; kept for the next connection');
    } finally {
      this.sending = false;
    }
  }
}
