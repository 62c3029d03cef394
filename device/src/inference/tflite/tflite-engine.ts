import type { FeatureValue, Manifest } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from '../../errors.ts';
import type { InferenceEngine, InferenceSession, OutputData, RunResult } from '../engine.ts';
import { applyTransform, isTfliteInputTransform, TFLITE_TRANSFORM_METADATA, transformInputs, type TfliteInputTransform } from './input-transform.ts';
import { loadTflite, type TfliteRunner } from './shim.ts';
import { readTfliteMetadata } from './tflite-metadata.ts';

/**
 * TFLite through `@tensorflow/tfjs-tflite` (behind shim.ts). Takes the .tflite bytes the trainer
 * writes (one float32 input [1, width], one output named as the manifest's predictionOutput) with
 * the input transform in the file's metadata; rows are transformed here and run one at a time,
 * since the runner cannot resize its input.
 */
export class TfliteEngine implements InferenceEngine {
  readonly name = 'tfjs-tflite';

  async load(modelBytes: Uint8Array, manifest: Manifest): Promise<InferenceSession> {
    const label = `${manifest.name} v${manifest.version}`;
    const meta = readTfliteMetadata(modelBytes);
    if (!meta) throw deviceError(DeviceErrorCodes.MODEL_LOAD, `${label}: not a .tflite file`);
    const transform = parseTransform(meta.get(TFLITE_TRANSFORM_METADATA));
    if (!transform) throw deviceError(DeviceErrorCodes.MODEL_LOAD, `${label}: the .tflite file has no valid ${TFLITE_TRANSFORM_METADATA} metadata`);
    const declared = new Set(manifest.inputs.map((i) => i.name));
    const missing = transformInputs(transform).filter((n) => !declared.has(n));
    if (missing.length > 0) throw deviceError(DeviceErrorCodes.MODEL_LOAD, `${label}: inputs ${missing.join(', ')} are not in the manifest`, { details: { missingInputs: missing } });
    const tflite = await loadTflite();
    let runner: TfliteRunner;
    try {
      const copy = modelBytes.slice().buffer;
      runner = (await tflite.loadTFLiteModel(copy, { numThreads: 1 })).modelRunner;
    } catch (cause) {
      throw deviceError(DeviceErrorCodes.MODEL_LOAD, `tfjs-tflite cannot load ${label}: ${(cause as Error).message}`, { cause });
    }
    const input = runner.getInputs()[0];
    const output = runner.getOutputs().find((o) => o.name === manifest.predictionOutput);
    if (runner.getInputs().length !== 1 || input?.shape !== `1,${transform.width}` || input.dataType !== 'float32' || !output) {
      const details = { inputs: runner.getInputs().map((i) => `${i.name}[${i.shape}]`), outputs: runner.getOutputs().map((o) => o.name), width: transform.width, predictionOutput: manifest.predictionOutput };
      runner.cleanUp();
      throw deviceError(DeviceErrorCodes.MODEL_LOAD, `${label}: the .tflite graph does not match its manifest and input transform`, { details });
    }
    return new TfliteSession(runner, transform, manifest.predictionOutput);
  }
}

export function createTfliteEngine(): TfliteEngine {
  return new TfliteEngine();
}

function parseTransform(bytes: Uint8Array | undefined): TfliteInputTransform | null {
  if (!bytes) return null;
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return isTfliteInputTransform(v) ? v : null;
  } catch {
    return null;
  }
}

class TfliteSession implements InferenceSession {
  private released = false;
  private readonly design: Float32Array;

  constructor(
    private readonly runner: TfliteRunner,
    private readonly transform: TfliteInputTransform,
    private readonly outputName: string,
  ) {
    this.design = new Float32Array(transform.width);
  }

  // Runs are synchronous inside (infer() blocks), so concurrent calls cannot interleave.
  async run(rows: Record<string, FeatureValue>[]): Promise<RunResult> {
    if (this.released) throw deviceError(DeviceErrorCodes.INFERENCE_FAILED, 'session released');
    const n = rows.length;
    if (n === 0) return { outputs: {}, predictions: [] };
    const inputInfo = this.runner.getInputs()[0];
    const outInfo = this.runner.getOutputs().find((o) => o.name === this.outputName);
    if (!inputInfo || !outInfo) throw deviceError(DeviceErrorCodes.INFERENCE_FAILED, 'tflite runner lost its tensors');
    let out: Float32Array | null = null;
    let k = 0;
    for (let r = 0; r < n; r++) {
      applyTransform(this.transform, rows[r] as Record<string, FeatureValue>, this.design);
      (inputInfo.data() as Float32Array).set(this.design);
      if (!this.runner.infer()) throw deviceError(DeviceErrorCodes.INFERENCE_FAILED, `tflite inference failed on row ${r}`);
      const y = outInfo.data() as Float32Array;
      k = y.length;
      out ??= new Float32Array(n * k);
      out.set(y, r * k);
    }
    const result = out as Float32Array;
    const outputs: Record<string, OutputData> = { [this.outputName]: result };
    const predictions = Array.from({ length: n }, (_, r) => result[r * k] as number);
    return { outputs, predictions };
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.runner.cleanUp();
  }
}
