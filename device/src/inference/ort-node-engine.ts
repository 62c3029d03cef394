import type { Manifest } from '@outpost/protocol';
import { errorMessage } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from '../errors.ts';
import type { InferenceEngine, InferenceSession } from './engine.ts';
import { OrtSessionAdapter, checkGraph, type TensorConstructor } from './ort-session.ts';

type OrtNode = typeof import('onnxruntime-node');

let loading: Promise<OrtNode> | undefined;

/**
 * Loads onnxruntime-node once. It is an optional dependency whose package ships native binaries for
 * linux x64 and arm64 (Raspberry Pi OS 64-bit); elsewhere (32-bit ARM) the import fails.
 */
function loadOrtNode(): Promise<OrtNode> {
  loading ??= import('onnxruntime-node');
  return loading;
}

/** Whether onnxruntime-node loads on this machine, and why not when it does not. */
export async function ortNodeAvailability(): Promise<{ available: true } | { available: false; reason: string }> {
  try {
    await loadOrtNode();
    return { available: true };
  } catch (err) {
    loading = undefined;
    return { available: false, reason: errorMessage(err) };
  }
}

export interface OrtNodeEngineOptions {
  /** Intra-op threads; 1 (the default) keeps a Pi's other cores for the HTTP server and telemetry. */
  intraOpNumThreads?: number;
}

/**
 * The onnxruntime-node engine (native CPU execution provider): the default of `--engine auto`
 * where its binary loads. Its memory is native and is freed when a session is released, so a smoke
 * test's session leaves nothing behind (docs/DEVICE.md "Choosing the engine").
 */
export class OrtNodeEngine implements InferenceEngine {
  readonly name = 'onnxruntime-node';
  /** The artifact file this engine loads (manifest `files[].role`): model.onnx. */
  readonly modelRole = 'model';

  constructor(private readonly options: OrtNodeEngineOptions = {}) {}

  async load(modelBytes: Uint8Array, manifest: Manifest): Promise<InferenceSession> {
    const label = `${manifest.name} v${manifest.version}`;
    let ort: OrtNode;
    try {
      ort = await loadOrtNode();
    } catch (cause) {
      loading = undefined;
      throw deviceError(DeviceErrorCodes.MODEL_LOAD, `onnxruntime-node is not available here: ${errorMessage(cause)}`, {
        cause,
      });
    }
    let session: import('onnxruntime-node').InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelBytes, {
        executionProviders: ['cpu'],
        intraOpNumThreads: this.options.intraOpNumThreads ?? 1,
        interOpNumThreads: 1,
        // No arena: memory goes back when a session is released (model swaps, smoke tests).
        enableCpuMemArena: false,
      });
    } catch (cause) {
      throw deviceError(DeviceErrorCodes.MODEL_LOAD, `onnxruntime-node cannot load ${label}: ${errorMessage(cause)}`, {
        cause,
      });
    }
    await checkGraph(session, manifest);
    return new OrtSessionAdapter(session, manifest, ort.Tensor as TensorConstructor);
  }
}

export function createOrtNodeEngine(options: OrtNodeEngineOptions = {}): OrtNodeEngine {
  return new OrtNodeEngine(options);
}
