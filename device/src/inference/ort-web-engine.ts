import * as ort from 'onnxruntime-web';
import type { FeatureValue, Manifest } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from '../errors.ts';
import type { InferenceEngine, InferenceSession, OutputData, RunResult } from './engine.ts';

export interface OrtWebEngineOptions {
  /** wasm threads; 1 (the default) keeps a Pi's second core free and starts no workers. */
  numThreads?: number;
}

/**
 * The onnxruntime-web engine: runs everywhere Node runs, 32-bit ARM included, since it is wasm
 * (docs/ARCHITECTURE.md "Install notes"). One feed per manifest input, shape [N, 1].
 */
export class OrtWebEngine implements InferenceEngine {
  readonly name = 'onnxruntime-web';
  /** The artifact file this engine loads (manifest `files[].role`): model.onnx. */
  readonly modelRole = 'model';

  constructor(options: OrtWebEngineOptions = {}) {
    ort.env.wasm.numThreads = options.numThreads ?? 1;
  }

  async load(modelBytes: Uint8Array, manifest: Manifest): Promise<InferenceSession> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelBytes, { executionProviders: ['wasm'] });
    } catch (cause) {
      throw deviceError(
        DeviceErrorCodes.MODEL_LOAD,
        `onnxruntime-web cannot load ${manifest.name} v${manifest.version}: ${(cause as Error).message}`,
        { cause },
      );
    }
    const missing = manifest.inputs.filter((i) => !session.inputNames.includes(i.name)).map((i) => i.name);
    const extra = session.inputNames.filter((n) => !manifest.inputs.some((i) => i.name === n));
    if (missing.length > 0 || extra.length > 0 || !session.outputNames.includes(manifest.predictionOutput)) {
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
    return new OrtWebSession(session, manifest);
  }
}

export function createOrtWebEngine(options: OrtWebEngineOptions = {}): OrtWebEngine {
  return new OrtWebEngine(options);
}

class OrtWebSession implements InferenceSession {
  /** Runs are serialised: the wasm backend runs one at a time, and feeds reuse buffers. */
  private queue: Promise<unknown> = Promise.resolve();
  private released = false;
  /** Float feed buffers kept for the last batch size (batch 1 is the common case). */
  private floatBuffers = new Map<string, Float32Array>();

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly manifest: Manifest,
  ) {}

  run(rows: Record<string, FeatureValue>[]): Promise<RunResult> {
    const next = this.queue.then(() => this.runNow(rows));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.queue;
    await this.session.release();
  }

  private async runNow(rows: Record<string, FeatureValue>[]): Promise<RunResult> {
    if (this.released) throw deviceError(DeviceErrorCodes.INFERENCE_FAILED, 'session released');
    const n = rows.length;
    if (n === 0) return { outputs: {}, predictions: [] };
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of this.manifest.inputs) {
      const name = input.name;
      if (input.type === 'float') {
        let data = this.floatBuffers.get(name);
        if (data?.length !== n) {
          data = new Float32Array(n);
          this.floatBuffers.set(name, data);
        }
        for (let r = 0; r < n; r++) {
          const v = (rows[r] as Record<string, FeatureValue>)[name];
          data[r] = typeof v === 'number' ? v : NaN;
        }
        feeds[name] = new ort.Tensor('float32', data, [n, 1]);
      } else {
        const data = new Array<string>(n);
        for (let r = 0; r < n; r++) {
          const v = (rows[r] as Record<string, FeatureValue>)[name];
          data[r] = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
        }
        feeds[name] = new ort.Tensor('string', data, [n, 1]);
      }
    }
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(feeds);
    } catch (cause) {
      throw deviceError(DeviceErrorCodes.INFERENCE_FAILED, `inference failed: ${(cause as Error).message}`, { cause });
    }
    const outputs: Record<string, OutputData> = {};
    for (const [name, tensor] of Object.entries(results)) outputs[name] = toOutputData(tensor);
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

function toOutputData(tensor: ort.Tensor): OutputData {
  const data = tensor.data;
  if (data instanceof Float32Array || data instanceof Float64Array || data instanceof BigInt64Array) return data;
  if (Array.isArray(data)) return data.map(String);
  // int32, uint8, bool…: widen to float64 so callers see one numeric shape.
  return Float64Array.from(data as ArrayLike<number>);
}
