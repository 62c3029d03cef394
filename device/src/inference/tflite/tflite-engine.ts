import type { FeatureValue, InputTransform, Manifest } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from '../../errors.ts';
import type { InferenceEngine, InferenceSession, RunResult } from '../engine.ts';
import {
  designRows,
  graphOutput,
  outputsOf,
  readInputTransform,
  TFLITE_TRANSFORM_METADATA,
  transformInputs,
  transformWidth,
} from './input-transform.ts';
import { loadTflite, type TfliteRunner } from './shim.ts';
import { readTfliteMetadata } from './tflite-metadata.ts';

/**
 * TFLite through `@tensorflow/tfjs-tflite` (behind shim.ts). Takes the .tflite bytes the trainer
 * writes (the artifact file with role 'model-tflite': one float32 input [1, width], one output)
 * with the input transform in the file's metadata; each batch is transformed here in one pass,
 * then its rows run through the graph one at a time, since the runner cannot resize its input.
 *
 * load() throws OUTPOST_ERR_MODEL_LOAD when the bytes, the transform or the graph do not fit
 * each other or the manifest, and OUTPOST_ERR_PIPELINE_STEP_UNKNOWN when the transform has a
 * step kind this device cannot apply.
 */
export class TfliteEngine implements InferenceEngine {
  readonly name = 'tfjs-tflite';
  /** The artifact file this engine loads (manifest `files[].role`). */
  readonly modelRole = 'model-tflite';

  async load(modelBytes: Uint8Array, manifest: Manifest): Promise<InferenceSession> {
    const label = `${manifest.name} v${manifest.version}`;
    const meta = readTfliteMetadata(modelBytes);
    if (!meta) throw deviceError(DeviceErrorCodes.MODEL_LOAD, `${label}: not a .tflite file`);
    const transform = readInputTransform(meta.get(TFLITE_TRANSFORM_METADATA), label);
    const declared = new Set(manifest.inputs.map((i) => i.name));
    const missing = transformInputs(transform).filter((n) => !declared.has(n));
    if (missing.length > 0)
      throw deviceError(DeviceErrorCodes.MODEL_LOAD, `${label}: inputs ${missing.join(', ')} are not in the manifest`, {
        details: { missingInputs: missing },
      });
    const out = graphOutput(transform);
    const produced =
      transform.output.task === 'regression'
        ? [transform.output.prediction]
        : [transform.output.probabilities, transform.output.label];
    if (!produced.includes(manifest.predictionOutput)) {
      throw deviceError(
        DeviceErrorCodes.MODEL_LOAD,
        `${label}: the .tflite transform gives ${produced.join(', ')}, not ${manifest.predictionOutput}`,
        { details: { outputs: produced, predictionOutput: manifest.predictionOutput } },
      );
    }
    const tflite = await loadTflite();
    let runner: TfliteRunner;
    try {
      // A copy of exactly these bytes: a Node Buffer's slice() shares (and .buffer exposes) its pool.
      const copy = new Uint8Array(modelBytes).buffer;
      runner = (await tflite.loadTFLiteModel(copy, { numThreads: 1 })).modelRunner;
    } catch (cause) {
      throw deviceError(DeviceErrorCodes.MODEL_LOAD, `tfjs-tflite cannot load ${label}: ${(cause as Error).message}`, {
        cause,
      });
    }
    const width = transformWidth(transform);
    const input = runner.getInputs()[0];
    const output = runner.getOutputs().find((o) => o.name === out.name);
    if (
      runner.getInputs().length !== 1 ||
      input?.shape !== `1,${width}` ||
      input.dataType !== 'float32' ||
      output?.shape !== `1,${out.width}` ||
      output.dataType !== 'float32'
    ) {
      const details = {
        inputs: runner.getInputs().map((i) => `${i.name}[${i.shape}]`),
        outputs: runner.getOutputs().map((o) => `${o.name}[${o.shape}]`),
        width,
        graphOutput: out,
      };
      runner.cleanUp();
      throw deviceError(DeviceErrorCodes.MODEL_LOAD, `${label}: the .tflite graph does not match its input transform`, {
        details,
      });
    }
    return new TfliteSession(runner, transform, out.name);
  }
}

export function createTfliteEngine(): TfliteEngine {
  return new TfliteEngine();
}

class TfliteSession implements InferenceSession {
  private released = false;

  constructor(
    private readonly runner: TfliteRunner,
    private readonly transform: InputTransform,
    private readonly outputName: string,
  ) {}

  // Runs are synchronous inside (infer() blocks), so concurrent calls cannot interleave.
  async run(rows: Record<string, FeatureValue>[]): Promise<RunResult> {
    if (this.released) throw deviceError(DeviceErrorCodes.INFERENCE_FAILED, 'session released');
    const n = rows.length;
    if (n === 0) return { outputs: {}, predictions: [] };
    const inputInfo = this.runner.getInputs()[0];
    const outInfo = this.runner.getOutputs().find((o) => o.name === this.outputName);
    if (!inputInfo || !outInfo) throw deviceError(DeviceErrorCodes.INFERENCE_FAILED, 'tflite runner lost its tensors');
    let design: Float32Array;
    try {
      design = designRows(this.transform, rows);
    } catch (cause) {
      throw deviceError(DeviceErrorCodes.INFERENCE_FAILED, `input transform failed: ${(cause as Error).message}`, {
        cause,
      });
    }
    const width = design.length / n;
    let graph: Float32Array | null = null;
    let k = 0;
    for (let r = 0; r < n; r++) {
      (inputInfo.data() as Float32Array).set(design.subarray(r * width, (r + 1) * width));
      if (!this.runner.infer())
        throw deviceError(DeviceErrorCodes.INFERENCE_FAILED, `tflite inference failed on row ${r}`);
      const y = outInfo.data() as Float32Array;
      k = y.length;
      graph ??= new Float32Array(n * k);
      graph.set(y, r * k);
    }
    return outputsOf(this.transform, graph as Float32Array, n);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.runner.cleanUp();
  }
}
