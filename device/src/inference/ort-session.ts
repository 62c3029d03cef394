// Types only: onnxruntime-web and onnxruntime-node both re-export onnxruntime-common's API.
import type { InferenceSession as OrtInferenceSession, Tensor as OrtTensor } from 'onnxruntime-web';
import type { FeatureValue, Manifest } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from '../errors.ts';
import type { InferenceSession, OutputData, RunResult } from './engine.ts';
import { RunBatcher } from './run-batcher.ts';

/**
 * What onnxruntime-web and onnxruntime-node share (both implement onnxruntime-common's API): the
 * session adapter that turns manifest-shaped rows into feeds and outputs into a RunResult, and the
 * check that a graph matches its manifest. Each engine passes in its own package's `Tensor`.
 */
export type TensorConstructor = new (
  type: 'float32' | 'string',
  data: Float32Array | string[],
  dims: readonly number[],
) => OrtTensor;

/** Throws OUTPOST_ERR_MODEL_LOAD (and releases the session) when the graph does not match the manifest. */
export async function checkGraph(session: OrtInferenceSession, manifest: Manifest): Promise<void> {
  const missing = manifest.inputs.filter((i) => !session.inputNames.includes(i.name)).map((i) => i.name);
  const extra = session.inputNames.filter((n) => !manifest.inputs.some((i) => i.name === n));
  if (missing.length === 0 && extra.length === 0 && session.outputNames.includes(manifest.predictionOutput)) return;
  await session.release();
  throw deviceError(
    DeviceErrorCodes.MODEL_LOAD,
    `model graph of ${manifest.name} v${manifest.version} does not match its manifest`,
    {
      details: {
        missingInputs: missing,
        unexpectedInputs: extra,
        predictionOutput: manifest.predictionOutput,
        outputs: session.outputNames,
      },
    },
  );
}

/**
 * An onnxruntime session behind the engine contract; one feed per manifest input, shape [N, 1].
 * Every run builds its own feeds. Runs asked while one is in flight are joined into the next
 * (inference/run-batcher.ts), so at most one run of a session is in flight.
 */
export class OrtSessionAdapter implements InferenceSession {
  private readonly batcher = new RunBatcher((rows) => this.runNow(rows));
  private released = false;

  constructor(
    private readonly session: OrtInferenceSession,
    private readonly manifest: Manifest,
    private readonly Tensor: TensorConstructor,
  ) {}

  /**
   * A run asked before `release` still runs (a request that picked this session just before a model
   * swap is answered by it); only runs asked after it are refused.
   */
  run(rows: Record<string, FeatureValue>[]): Promise<RunResult> {
    if (this.released) return Promise.reject(deviceError(DeviceErrorCodes.INFERENCE_FAILED, 'session released'));
    return this.batcher.run(rows);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.batcher.idle();
    await this.session.release();
  }

  private async runNow(rows: Record<string, FeatureValue>[]): Promise<RunResult> {
    const n = rows.length;
    if (n === 0) return { outputs: {}, predictions: [] };
    const feeds: Record<string, OrtTensor> = {};
    for (const input of this.manifest.inputs) {
      const name = input.name;
      if (input.type === 'float') {
        const data = new Float32Array(n);
        for (let r = 0; r < n; r++) {
          const v = (rows[r] as Record<string, FeatureValue>)[name];
          data[r] = typeof v === 'number' ? v : NaN;
        }
        feeds[name] = new this.Tensor('float32', data, [n, 1]);
      } else {
        const data = new Array<string>(n);
        for (let r = 0; r < n; r++) {
          const v = (rows[r] as Record<string, FeatureValue>)[name];
          data[r] = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
        }
        feeds[name] = new this.Tensor('string', data, [n, 1]);
      }
    }
    let results: OrtInferenceSession.ReturnType;
    try {
      results = await this.session.run(feeds);
    } catch (cause) {
      throw deviceError(DeviceErrorCodes.INFERENCE_FAILED, `inference failed: ${(cause as Error).message}`, { cause });
    }
    const outputs: Record<string, OutputData> = {};
    for (const name in results) outputs[name] = toOutputData(results[name] as OrtTensor);
    const pred = outputs[this.manifest.predictionOutput];
    if (!pred)
      throw deviceError(
        DeviceErrorCodes.INFERENCE_FAILED,
        `model produced no ${this.manifest.predictionOutput} output`,
      );
    const stride = pred.length / n;
    const predictions = new Array<number>(n);
    for (let r = 0; r < n; r++) predictions[r] = Number(pred[r * stride]);
    return { outputs, predictions };
  }
}

function toOutputData(tensor: OrtTensor): OutputData {
  const data = tensor.data;
  if (data instanceof Float32Array || data instanceof Float64Array || data instanceof BigInt64Array) return data;
  if (Array.isArray(data)) return data.map(String);
  // int32, uint8, bool…: widen to float64 so callers see one numeric shape.
  return Float64Array.from(data as ArrayLike<number>);
}
