export {
  startDevice,
  type Device,
  type DeviceOptions,
  type DeviceStats,
  type ActiveModelInfo,
  type ModelRef,
} from './device.ts';
export type { InferenceEngine, InferenceSession, RunResult, OutputData } from './inference/engine.ts';
export { OrtWebEngine, createOrtWebEngine, type OrtWebEngineOptions } from './inference/ort-web-engine.ts';
export type { SensorSource } from './sources/sensor-source.ts';
export { CsvReplaySource, loadCsvRows, type CsvReplayOptions } from './sources/csv-replay.ts';
export type { PredictionResult } from './predictor.ts';
export { DeviceErrorCodes, type DeviceErrorCode } from './errors.ts';
export { smokeTest, closeEnough, SMOKE_RTOL, SMOKE_ATOL } from './smoke-test.ts';
export { TelemetryWindowAccumulator, type WindowModel } from './telemetry/window.ts';
export { DEFAULT_WINDOW_ROWS, DEFAULT_WINDOW_MS } from './telemetry/publisher.ts';
export { deviceCommands, deviceCommand } from './cli/index.ts';
export { createTfliteEngine, TfliteEngine } from './inference/tflite/tflite-engine.ts';
