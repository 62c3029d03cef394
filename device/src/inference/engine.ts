import type { FeatureValue, FileEntry, Manifest } from '@outpost/protocol';

/**
 * The inference engine contract, kept apart from its implementations (docs/ARCHITECTURE.md "Tiers and
 * packages", as onnxruntime's js/common does): onnxruntime-web (model.onnx) and
 * TFLite (model.tflite). Every implementation passes test/engine-contract.ts.
 */
export type OutputData = Float32Array | Float64Array | BigInt64Array | string[];

export interface RunResult {
  /** Every graph output by name, flattened row-major ([N, k] → N·k values). */
  outputs: Record<string, OutputData>;
  /** The first value per row of the manifest's `predictionOutput`. */
  predictions: number[];
}

export interface InferenceSession {
  /**
   * Runs a batch of raw feature rows. Inputs follow the manifest: a 'float' input takes numbers
   * (anything else is missing → NaN), a 'string' input takes strings (missing → '').
   */
  run(rows: Record<string, FeatureValue>[]): Promise<RunResult>;
  /** Frees the session; waits for runs in flight. */
  release(): Promise<void>;
}

/** The artifact file roles an engine runs: 'model' is model.onnx, 'model-tflite' is model.tflite. */
export type ModelFileRole = Extract<FileEntry['role'], 'model' | 'model-tflite'>;

export interface InferenceEngine {
  readonly name: string;
  /**
   * The manifest role (`files[].role`) of the one artifact file this engine loads; the device
   * picks that file (inference/model-file.ts) and refuses an artifact that has none.
   */
  readonly modelRole: ModelFileRole;
  /** Throws OUTPOST_ERR_MODEL_LOAD when the bytes are not a model or do not match the manifest. */
  load(modelBytes: Uint8Array, manifest: Manifest): Promise<InferenceSession>;
}
