import { isOutpostError, type MetricSummary } from '@outpost/protocol';
import { TrainerErrorCodes } from '../errors.ts';
import type { ArtifactFile } from '../artifact/write-artifact.ts';
import { exportModelTflite, tfliteUnsupportedReason, type TfliteExportable } from './export-tflite.ts';
import { onnxDenseLayers } from './onnx-dense.ts';

/**
 * The artifact's `model.tflite` (role 'model-tflite'): the model `model.onnx` holds, for the
 * TFLite engine. It mirrors the shipped ONNX file, reading its weights and biases from it
 * (onnx-dense.ts) — float32 when the float model ships, the very same int8 numbers and scales
 * (dequantized in the graph) when the int8 model ships — so the manifest's golden examples and
 * metrics describe it too, and a device's smoke test passes on either engine. A separate int8
 * "hybrid" variant (int8 activations inside TFLite's kernel) is not shipped: it computes outputs no
 * golden example states, so no device could smoke-test it.
 *
 * Written for linear, logistic and MLP models whose preprocessing the device transform can apply;
 * otherwise the artifact has no .tflite and the card and build report say why.
 */
export const TFLITE_FILE = 'model.tflite';

export interface TfliteReport {
  written: boolean;
  weights?: 'float' | 'int8';
  bytes?: number;
  /** What was written, or why nothing was. */
  reason: string;
}

export interface TfliteArtifact {
  files: ArtifactFile[];
  /** Deterministic figures for the manifest. */
  metrics: Record<string, MetricSummary>;
  /** Deterministic text for the card. */
  cardSection: string;
  report: TfliteReport;
}

/** `shippedOnnx`: the bytes of the artifact's model.onnx, whose weights the .tflite takes. */
export function tfliteArtifact(t: TfliteExportable, shippedOnnx: Uint8Array): TfliteArtifact {
  const none = (why: string): TfliteArtifact => ({
    files: [],
    metrics: {},
    cardSection: `\n## TFLite\nNo \`${TFLITE_FILE}\`: ${why}.\n`,
    report: { written: false, reason: why },
  });
  const why = tfliteUnsupportedReason(t);
  if (why !== null) return none(why);
  let bytes: Uint8Array;
  try {
    bytes = exportModelTflite(t, { onnx: shippedOnnx });
  } catch (err) {
    // e.g. an ONNX structure the reader does not know: the artifact ships without a .tflite.
    if (isOutpostError(err, TrainerErrorCodes.TFLITE_MODEL_INVALID)) return none(err.message);
    throw err;
  }
  const shipped = onnxDenseLayers(shippedOnnx).some((l) => l.int8) ? 'int8' : 'float';
  const weights =
    shipped === 'int8' ? 'the int8 weights of `model.onnx` (dequantized in the graph, as there)' : 'float32 weights';
  const reason = `${TFLITE_FILE}: ${t.model.kind} as FULLY_CONNECTED layers with ${weights}, ${bytes.byteLength} bytes`;
  return {
    files: [{ path: TFLITE_FILE, role: 'model-tflite', bytes }],
    metrics: { size_bytes_tflite: { metric: 'bytes', value: bytes.byteLength } },
    cardSection: `\n## TFLite\n\`${TFLITE_FILE}\` is the same model for the TFLite engine: FULLY_CONNECTED layers with ${weights}, ${bytes.byteLength} bytes. The preprocessing travels as the input transform in its metadata (\`outpost.input_transform\`), applied on the device before the graph.\n`,
    report: { written: true, weights: shipped, bytes: bytes.byteLength, reason },
  };
}
