/**
 * `@outpost/device`: the on-device runtime (docs/ARCHITECTURE.md). What `bin/`, `stack/`, `bench/`,
 * `test/` and embedding programs call: the runtime and the types of its API, the inference-engine
 * interface with the engines it ships, sensor sources, the golden-example rule, error codes and
 * CLI commands. Everything else is internal; device's own tests import it from its file.
 */
export {
  startDevice,
  type Device,
  type DeviceOptions,
  type DeviceStats,
  type ActiveModelInfo,
  type ModelRef,
} from './device.ts';
export type { InferenceEngine, InferenceSession, RunResult, OutputData } from './inference/engine.ts';
export { createOrtWebEngine, type OrtWebEngineOptions } from './inference/ort-web-engine.ts';
export { createOrtNodeEngine, type OrtNodeEngineOptions } from './inference/ort-node-engine.ts';
export {
  selectEngine,
  ENGINE_CHOICES,
  DEFAULT_ENGINE,
  type EngineChoice,
  type EngineSelection,
} from './inference/engine-choice.ts';
export { createTfliteEngine } from './inference/tflite/tflite-engine.ts';
export type { SensorSource } from './sources/sensor-source.ts';
export { CsvReplaySource, loadCsvRows, type CsvReplayOptions } from './sources/csv-replay.ts';
export { SimulatedSource, type SimulatedSourceOptions, type FeatureModel } from './sources/simulated.ts';
export { parseFault, FaultInjector, type Fault, type ScheduledFault } from './sources/faults.ts';
export { TelemetryWindowAccumulator, type WindowModel } from './telemetry/window.ts';
export { BoardSource, type BoardSourceOptions } from './sources/board-source.ts';
export { parseBoardConfig, loadBoardConfig, type BoardConfig } from './sources/board-config.ts';
export type { PredictionResult } from './predictor.ts';
export { DeviceErrorCodes, type DeviceErrorCode } from './errors.ts';
export { smokeTest, closeEnough } from './smoke-test.ts';
export { provisionModel, type ProvisionOptions, type ProvisionResult } from './provision.ts';
export { deviceCommands } from './cli/index.ts';
/** The device's update retry back-off (docs/DEVICE.md "Updates"), shared with the simulated fleet. */
export { DEFAULT_UPDATE_RETRY } from './updater.ts';
