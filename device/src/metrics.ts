import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets in seconds: 50 µs … 1 s (a tiny tree runs in tens of µs, a large GBDT in ms). */
const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export interface DeviceMetricsOptions {
  deviceId: string;
  engine: string;
  /** The active model, read at scrape time. */
  active: () => { name: string; version: number; artifactId: string } | undefined;
  /** Telemetry windows written and not yet received upstream, read at scrape time. */
  outboxDepth: () => number;
}

export interface DeviceMetrics {
  readonly registry: Registry;
  /** One predict call: `rows` rows in `seconds`. */
  predicted(model: string, version: number, rows: number, seconds: number): void;
  /** A predict call that failed in the engine. */
  failed(model: string, version: number, rows: number): void;
  /** A request refused before predicting (invalid input). */
  refused(rows: number): void;
}

/**
 * Predict calls of one model version not yet written into the counter and the histogram: a request
 * costs two stores here, and prom-client takes them in one go at the next scrape, when the model
 * changes, or every `capacity` calls.
 */
class PendingPredictions {
  private model = '';
  private version = -1;
  private rows = 0;
  private count = 0;
  private readonly seconds: Float64Array;

  constructor(
    private readonly write: (labels: { model: string; version: string }, rows: number, seconds: Float64Array) => void,
    capacity = 1024,
  ) {
    this.seconds = new Float64Array(capacity);
  }

  add(model: string, version: number, rows: number, seconds: number): void {
    if (model !== this.model || version !== this.version) {
      this.flush();
      this.model = model;
      this.version = version;
    }
    this.rows += rows;
    this.seconds[this.count++] = seconds;
    if (this.count === this.seconds.length) this.flush();
  }

  flush(): void {
    if (this.count === 0) return;
    this.write({ model: this.model, version: String(this.version) }, this.rows, this.seconds.subarray(0, this.count));
    this.rows = 0;
    this.count = 0;
  }
}

/**
 * The device's Prometheus metrics (`GET /metrics`, docs/DEVICE.md "What it answers"), on a registry
 * of its own so that two devices in one process keep theirs apart: predictions, errors, refused
 * inputs, predict latency, the active model and engine, the telemetry outbox, and Node's process
 * metrics (resident memory, heap, event-loop lag, CPU) with the `outpost_device_` prefix.
 */
export function createDeviceMetrics(o: DeviceMetricsOptions): DeviceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ device: o.deviceId });
  collectDefaultMetrics({ register: registry, prefix: 'outpost_device_' });
  const pending = new PendingPredictions((labels, rows, seconds) => {
    predictions.inc(labels, rows);
    for (const s of seconds) latency.observe(labels, s);
  });
  const predictions = new Counter({
    name: 'outpost_device_predictions_total',
    help: 'Rows predicted, by model version.',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
    collect: () => pending.flush(),
  });
  const errors = new Counter({
    name: 'outpost_device_prediction_errors_total',
    help: 'Rows whose predict call failed in the engine, by model version.',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
  });
  const refused = new Counter({
    name: 'outpost_device_inputs_refused_total',
    help: 'Rows refused before predicting because an input was invalid (HTTP 400).',
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'outpost_device_predict_duration_seconds',
    help: 'Engine time of one predict call, by model version.',
    labelNames: ['model', 'version'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
    collect: () => pending.flush(),
  });
  new Gauge({
    name: 'outpost_device_model_info',
    help: 'The active model (1) with its name, version, artifact id and engine; absent before the first model.',
    labelNames: ['model', 'version', 'artifact_id', 'engine'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const a = o.active();
      if (a) this.set({ model: a.name, version: String(a.version), artifact_id: a.artifactId, engine: o.engine }, 1);
    },
  });
  new Gauge({
    name: 'outpost_device_telemetry_outbox_windows',
    help: 'Telemetry windows kept on the device until the gateway has stored them.',
    registers: [registry],
    collect() {
      this.set(o.outboxDepth());
    },
  });
  return {
    registry,
    predicted: (model, version, rows, seconds) => pending.add(model, version, rows, seconds),
    failed(model, version, rows) {
      errors.inc({ model, version: String(version) }, rows);
    },
    refused(rows) {
      refused.inc(rows);
    },
  };
}
