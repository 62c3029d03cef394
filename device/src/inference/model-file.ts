import type { FileEntry, Manifest } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from '../errors.ts';
import type { InferenceEngine } from './engine.ts';

/**
 * The file of an artifact the device runs: the manifest entry whose role is the engine's
 * `modelRole` — model.onnx ('model') for onnxruntime-web, model.tflite ('model-tflite') for TFLite.
 * There is no fallback to another role: an artifact without that file (a tree model, which has no
 * .tflite form, sent to a TFLite device) is refused with OUTPOST_ERR_MODEL_FILE_MISSING, naming the
 * role and the files it does carry.
 */
export function modelFileFor(manifest: Manifest, engine: Pick<InferenceEngine, 'name' | 'modelRole'>): FileEntry {
  const entry = manifest.files.find((f) => f.role === engine.modelRole);
  if (entry) return entry;
  const carried = manifest.files.map((f) => `${f.path} (${f.role})`);
  throw deviceError(
    DeviceErrorCodes.MODEL_FILE_MISSING,
    `${manifest.name} v${manifest.version} has no '${engine.modelRole}' file for the ${engine.name} engine; it carries ${carried.join(', ')}`,
    {
      details: {
        role: engine.modelRole,
        engine: engine.name,
        files: manifest.files.map((f) => ({ path: f.path, role: f.role })),
      },
    },
  );
}
