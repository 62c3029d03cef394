import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  FLEET_KEY_FILE,
  assertId,
  errorMessage,
  silentLogger,
  systemClock,
  type Clock,
  type FeatureValue,
  type Logger,
  type Manifest,
  offlineWill,
} from '@outpost/protocol';
import {
  createArtifactFetcher,
  createMqttTransport,
  readNodeCredentials,
  type NodeCredentials,
} from '@outpost/protocol/node';
import { DeviceErrorCodes, deviceError } from './errors.ts';
import { startHttpServer } from './http/server.ts';
import type { InferenceEngine } from './inference/engine.ts';
import { selectEngine } from './inference/engine-choice.ts';
import { LabelDesk } from './labels.ts';
import { createDeviceMetrics } from './metrics.ts';
import { PredictionRecorder } from './prediction-recorder.ts';
import type { PredictionLog } from './store/prediction-log.ts';
import { PREDICTION_LOG_FILE, openSqlitePredictionLog } from './store/sqlite-prediction-log.ts';
import { Predictor, type PredictionResult } from './predictor.ts';
import { Reporter } from './reporter.ts';
import { ModelSlots, type LoadedModel } from './slots.ts';
import type { SensorSource } from './sources/sensor-source.ts';
import { StateFile } from './store/state-file.ts';
import { TelemetryPublisher } from './telemetry/publisher.ts';
import { Shadow } from './shadow/shadow.ts';
import { Updater, runningOf, type UpdaterOptions } from './updater.ts';
import { ReceiptDispatcher } from './upstream/receipts.ts';
import { ReviewUpload } from './review-upload.ts';

export interface DeviceOptions {
  id: string;
  dataDir: string;
  brokerUrl: string;
  /** The fleet's pinned ed25519 public key: artifacts not signed by it are refused. */
  publicKeyPem: string;
  /** Default 0 (a free port). */
  httpPort?: number;
  /** Default 127.0.0.1. */
  httpHost?: string;
  /**
   * Default: `selectEngine('auto')` — onnxruntime-node where it loads, else onnxruntime-web; both
   * run an artifact's model.onnx. A TFLite engine runs its model.tflite (the file whose manifest
   * role is the engine's `modelRole`) and refuses artifacts without one (OUTPOST_ERR_MODEL_FILE_MISSING).
   */
  engine?: InferenceEngine;
  windowRows?: number;
  windowMs?: number;
  logger?: Logger;
  clock?: Clock;
  chunkTimeoutMs?: number;
  /** Where predictions are logged (default: SQLite `<dataDir>/predictions.db`, docs/DEVICE.md). */
  predictionLog?: PredictionLog;
  /** Classification predictions with a top-probability margin under this go to review (default 0.2). */
  reviewMargin?: number;
  /**
   * Forward predictions flagged for review upstream with their inputs (default true;
   * docs/DEVICE.md "What leaves the device"): the only raw rows that leave a device.
   */
  reviewUpload?: boolean;
  /** First re-send of a label (or review item) the gateway has not receipted (default 5 s, doubling up to 60 s). */
  uploadResendMs?: number;
  /**
   * The device's credentials on its gateway's broker. Default: `<dataDir>/credentials.json`, written
   * by `outpost enroll`; with neither, it connects without credentials (a gateway refuses it).
   */
  credentials?: NodeCredentials;
  /** For an `mqtts://` broker: the CA (PEM) that signed the gateway broker's certificate. */
  brokerCa?: string | Buffer;
  /**
   * The fleet's intent key (PEM) that signs desired states (docs/SECURITY.md "Signed intent");
   * default the file `<dataDir>/fleet-key.pub`. Without either, no desired state is accepted.
   */
  fleetKeyPem?: string;
  /** The gateway this device belongs to; default: pinned from the first desired state accepted. */
  gatewayId?: string;
  /** The reported state is re-sent this often so the fleet sees the device alive (default 60 s). */
  heartbeatMs?: number;
  /** Awaited as an update enters each step (docs/DEVICE.md "Power-cut safety"; a test hook). */
  updateCheckpoint?: UpdaterOptions['checkpoint'];
}

/** Default period of the device's reported-state heartbeat. */
export const DEFAULT_DEVICE_HEARTBEAT_MS = 60_000;

export interface ActiveModelInfo {
  name: string;
  version: number;
  artifactId: string;
  manifest: Manifest;
  /** The artifact file the engine runs (model.onnx or model.tflite). */
  modelFile: string;
}

export type ModelRef = Pick<ActiveModelInfo, 'name' | 'version' | 'artifactId'>;

export interface DeviceStats {
  predictions: number;
  windowsSent: number;
  lastSeq: number;
  outboxDepth: number;
  /** Desired states refused since start (bad or missing signature, another gateway, stale revision), by code. */
  intentsRefused: Record<string, number>;
}

export interface Device {
  id: string;
  httpUrl: string;
  active(): ActiveModelInfo | undefined;
  /** Resolves with the active model once one matching `pred` (any, by default) is active. */
  waitForModel(pred?: (m: ModelRef) => boolean, timeoutMs?: number): Promise<ActiveModelInfo>;
  predict(rows: Record<string, FeatureValue>[]): Promise<PredictionResult>;
  /** Predicts every row of a source (rows arriving while no model is active are skipped); returns rows predicted. */
  replay(source: SensorSource, opts?: { limit?: number }): Promise<number>;
  /** The candidate running in shadow beside the active model (docs/DEVICE.md "Shadow mode"), if any. */
  shadow(): ModelRef | undefined;
  /** Publishes the open window if it has rows; resolves with its seq once the gateway receipted every window. */
  flushTelemetry(): Promise<number | undefined>;
  stats(): DeviceStats;
  close(): Promise<void>;
}

/**
 * Starts the on-device runtime: loads the installed model (so it predicts without its gateway),
 * serves HTTP, and reconciles with the gateway over MQTT when the broker is reachable — the
 * broker being down never blocks start.
 */
export async function startDevice(opts: DeviceOptions): Promise<Device> {
  const id = assertId('device', opts.id);
  const clock = opts.clock ?? systemClock;
  const log = (opts.logger ?? silentLogger).child({ device: id });
  await mkdir(opts.dataDir, { recursive: true });
  const engine = opts.engine ?? (await selectEngine('auto')).engine;
  const state = await StateFile.open(opts.dataDir, log);
  const slots = new ModelSlots(opts.dataDir, state, engine, opts.publicKeyPem, log);

  let current: LoadedModel | undefined = await slots.loadOnStart();
  const waiters = new Set<() => void>();

  const credentials = opts.credentials ?? readNodeCredentials(opts.dataDir, { expectId: id });
  let fleetKeyPem = opts.fleetKeyPem;
  if (fleetKeyPem === undefined) {
    try {
      fleetKeyPem = await readFile(path.join(opts.dataDir, FLEET_KEY_FILE), 'utf8');
    } catch {
      log.warn({ file: FLEET_KEY_FILE }, 'no fleet intent key: desired states will be refused');
    }
  }
  const transport = createMqttTransport({
    url: opts.brokerUrl,
    clientId: `dev-${id}`,
    clean: false,
    logger: log,
    ...(credentials ? { username: credentials.username, password: credentials.password } : {}),
    ...(opts.brokerCa !== undefined ? { ca: opts.brokerCa } : {}),
    // The gateway (and through it the fleet) learns at once that this device went away.
    will: offlineWill('device', id, clock.now()),
  });
  // One subscriber to the device's acks topic: receipts go to telemetry, labels and review uploads by kind.
  const receipts = new ReceiptDispatcher(id, transport, log);
  const telemetry = new TelemetryPublisher({
    deviceId: id,
    dataDir: opts.dataDir,
    state,
    transport,
    receipts,
    clock,
    logger: log,
    windowRows: opts.windowRows,
    windowMs: opts.windowMs,
  });
  telemetry.setModel(current);
  // Sub-millisecond latency from the monotonic clock unless the caller controls time.
  const now = opts.clock ? () => clock.now() : () => performance.now();
  const metrics = createDeviceMetrics({
    deviceId: id,
    engine: engine.name,
    active: () => current,
    outboxDepth: () => telemetry.stats().outboxDepth,
  });
  const predictionLog = opts.predictionLog ?? openSqlitePredictionLog(path.join(opts.dataDir, PREDICTION_LOG_FILE));
  const recorder = new PredictionRecorder({
    log: predictionLog,
    clock,
    logger: log,
    ...(opts.reviewMargin !== undefined ? { reviewMargin: opts.reviewMargin } : {}),
  });
  const labels = new LabelDesk({
    deviceId: id,
    log: predictionLog,
    recorder,
    transport,
    receipts,
    clock,
    logger: log,
    ...(opts.uploadResendMs !== undefined ? { resendMs: opts.uploadResendMs } : {}),
  });
  const reviewUpload =
    opts.reviewUpload === false
      ? undefined
      : new ReviewUpload({
          deviceId: id,
          log: predictionLog,
          transport,
          receipts,
          clock,
          logger: log,
          ...(opts.uploadResendMs !== undefined ? { resendMs: opts.uploadResendMs } : {}),
        });
  const reporter = new Reporter(id, transport, clock, log, current ? [runningOf(current)] : []);

  const fetcher = await createArtifactFetcher({
    transport,
    kind: 'devices',
    selfId: id,
    clock,
    logger: log,
    ...(opts.chunkTimeoutMs !== undefined ? { chunkTimeoutMs: opts.chunkTimeoutMs } : {}),
  });
  const shadow = new Shadow({
    deviceId: id,
    fetcher,
    publicKeyPem: opts.publicKeyPem,
    engine,
    telemetry,
    logger: log,
    now,
  });
  const predictor = new Predictor({ active: () => current, telemetry, now, idPrefix: id, metrics, recorder, shadow });
  const updater = new Updater({
    deviceId: id,
    transport,
    fetcher,
    publicKeyPem: opts.publicKeyPem,
    slots,
    reporter,
    logger: log,
    state,
    clock,
    ...(fleetKeyPem !== undefined ? { fleetKeyPem } : {}),
    ...(opts.gatewayId !== undefined ? { gatewayId: opts.gatewayId } : {}),
    active: () => current,
    afterApply: (desired) => shadow.reconcile(desired, current?.artifactId),
    ...(opts.updateCheckpoint ? { checkpoint: opts.updateCheckpoint } : {}),
    activate: async (model) => {
      const previous = current;
      current = model;
      telemetry.setModel(model);
      for (const w of [...waiters]) w();
      if (previous)
        await previous.session
          .release()
          .catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'release failed'));
    },
  });
  await updater.start(); // routes before start(): retained desired state arrives on subscribe

  transport.on('connect', () => {
    log.info({ broker: opts.brokerUrl }, 'connected');
    reporter.publish(); // the gateway learns about devices from their reported state
  });
  const heartbeat = clock.setInterval(() => reporter.publish(), opts.heartbeatMs ?? DEFAULT_DEVICE_HEARTBEAT_MS);
  transport.start().catch((err: unknown) => log.error({ err: errorMessage(err) }, 'mqtt start failed'));
  await telemetry.start();

  let http;
  try {
    http = await startHttpServer({
      host: opts.httpHost,
      port: opts.httpPort ?? 0,
      clock,
      logger: log,
      active: () => current,
      predict: (rows) => predictor.predict(rows),
      predictions: () => predictor.predictions,
      metrics,
      label: (predictionId, label) => labels.label(predictionId, label),
      review: (limit) => {
        recorder.flush();
        return predictionLog.reviewQueue(limit);
      },
      health: () => telemetry.health(),
    });
  } catch (err) {
    clock.clearInterval(heartbeat);
    await transport.close();
    await current?.session.release();
    throw err;
  }
  log.info({ http: http.url, engine: engine.name, model: current?.name, version: current?.version }, 'device started');

  const info = (): ActiveModelInfo | undefined =>
    current
      ? {
          name: current.name,
          version: current.version,
          artifactId: current.artifactId,
          manifest: current.manifest,
          modelFile: current.modelFile,
        }
      : undefined;
  let closed = false;

  return {
    id,
    httpUrl: http.url,
    active: info,
    waitForModel(pred = () => true, timeoutMs = 30_000) {
      return new Promise<ActiveModelInfo>((resolve, reject) => {
        const check = (): boolean => {
          const a = info();
          if (a && pred(a)) {
            waiters.delete(check);
            clock.clearTimeout(timer);
            resolve(a);
            return true;
          }
          return false;
        };
        const timer = clock.setTimeout(() => {
          waiters.delete(check);
          reject(
            deviceError(DeviceErrorCodes.TIMEOUT, `no matching model within ${timeoutMs} ms`, {
              details: { active: current ? runningOf(current) : null },
            }),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    predict: (rows) => predictor.predict(rows),
    async replay(source, ropts = {}) {
      const limit = ropts.limit ?? Infinity;
      let done = 0;
      let seen = 0;
      for await (const row of source) {
        if (seen++ >= limit || closed) break;
        try {
          await predictor.predict([row]);
          done++;
        } catch (err) {
          log.debug({ err: errorMessage(err) }, 'replay row not predicted');
        }
        if (seen >= limit) break;
      }
      await source.close();
      return done;
    },
    shadow: () => {
      const c = shadow.current();
      return c ? { name: c.name, version: c.version, artifactId: c.artifactId } : undefined;
    },
    async flushTelemetry() {
      await shadow.idle(); // the candidate's scores of rows already answered belong in this window
      return telemetry.flush();
    },
    stats: () => ({
      predictions: predictor.predictions,
      ...telemetry.stats(),
      intentsRefused: Object.fromEntries(updater.refused),
    }),
    async close() {
      if (closed) return;
      closed = true;
      clock.clearInterval(heartbeat);
      await http.close();
      await updater.stop();
      await shadow.idle();
      await telemetry.close();
      labels.close();
      reviewUpload?.close();
      await transport.close();
      await shadow.close();
      recorder.close();
      predictionLog.close();
      await current?.session.release();
      log.info({}, 'device closed');
    },
  };
}
