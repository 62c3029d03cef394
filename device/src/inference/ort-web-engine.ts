import * as ort from 'onnxruntime-web';
import type { Manifest } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from '../errors.ts';
import type { InferenceEngine, InferenceSession } from './engine.ts';
import { OrtSessionAdapter, checkGraph, type TensorConstructor } from './ort-session.ts';

export interface OrtWebEngineOptions {
  /** wasm threads; 1 (the default) keeps a Pi's second core free and starts no workers. */
  numThreads?: number;
}

/**
 * The onnxruntime-web engine: runs everywhere Node runs, 32-bit ARM included, since it is wasm
 * (docs/DEVICE.md "Choosing the engine"). The fallback of `--engine auto` where onnxruntime-node
 * has no binary. Its wasm memory grows and never shrinks.
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
    await checkGraph(session, manifest);
    return new OrtSessionAdapter(session, manifest, ort.Tensor as TensorConstructor);
  }
}

export function createOrtWebEngine(options: OrtWebEngineOptions = {}): OrtWebEngine {
  return new OrtWebEngine(options);
}
