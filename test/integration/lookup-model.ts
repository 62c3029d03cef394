/**
 * A real, signed test artifact whose graph passes its smoke test and fails at run time on some
 * field inputs: `prediction = table[int(x)]`, a Cast of the float input `x` to int64 feeding a
 * Gather over a table of `tableSize` entries. The golden examples use x in [0, 4), in range of
 * every table; a row with x ≥ tableSize makes onnxruntime refuse the batch ("indices element out
 * of data bounds"), as a model with a truncated lookup table would in the field. The ONNX protobuf
 * is written here with onnx-proto, as the trainer's exporter does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import {
  MANIFEST_SCHEMA,
  artifactIdOf,
  manifestBytes,
  sha256Hex,
  signManifest,
  type Manifest,
  type SigningKeyPair,
} from '@outpost/protocol';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

/** table[i] = 10·i + version: distinct per version, so the served version is visible in answers. */
export const lookupValue = (index: number, version: number): number => 10 * index + version;

/** The ONNX graph: x [N,1] float → Cast(int64) → Gather(table, axis 0) → prediction [N,1]. */
export function lookupModel(tableSize: number, version: number): Uint8Array {
  const vi = (name: string, elem: number) => ({
    name,
    type: { tensorType: { elemType: elem, shape: { dim: [{ dimParam: 'N' }, { dimValue: 1 }] } } },
  });
  const table = Array.from({ length: tableSize }, (_, i) => lookupValue(i, version));
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'outpost-test-lookup',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'lookup',
      input: [vi('x', T.FLOAT)],
      output: [vi('prediction', T.FLOAT)],
      initializer: [{ name: 'table', dataType: T.FLOAT, dims: [tableSize], floatData: table }],
      node: [
        {
          opType: 'Cast',
          input: ['x'],
          output: ['index'],
          name: 'to_index',
          attribute: [{ name: 'to', type: A.INT, i: T.INT64 }],
        },
        {
          opType: 'Gather',
          input: ['table', 'index'],
          output: ['prediction'],
          name: 'lookup',
          attribute: [{ name: 'axis', type: A.INT, i: 0 }],
        },
      ],
    },
  }).finish();
}

export interface LookupArtifact {
  dir: string;
  artifactId: string;
  manifest: Manifest;
}

/** Golden inputs: in range of any table of 4 entries or more. */
export const LOOKUP_GOLDEN_X = [0.5, 1.5, 3.2] as const;

/** Writes the signed artifact folder (manifest.json, model.onnx, card.md) under `root`. */
export function writeLookupArtifact(
  root: string,
  keys: SigningKeyPair,
  opts: { name: string; version: number; tableSize: number },
): LookupArtifact {
  const model = lookupModel(opts.tableSize, opts.version);
  const card = Buffer.from(`# ${opts.name} v${opts.version}\nA lookup table of ${opts.tableSize} entries.\n`);
  const manifest = signManifest(
    {
      schema: MANIFEST_SCHEMA,
      name: opts.name,
      version: opts.version,
      parentVersion: opts.version > 1 ? opts.version - 1 : null,
      createdAt: '2026-01-01T00:00:00.000Z',
      task: 'regression',
      inputs: [{ name: 'x', type: 'float', range: [0, 50] }],
      outputs: [{ name: 'prediction', type: 'float', shape: [1] }],
      predictionOutput: 'prediction',
      files: [
        { path: 'model.onnx', role: 'model', bytes: model.byteLength, sha256: sha256Hex(model) },
        { path: 'card.md', role: 'card', bytes: card.byteLength, sha256: sha256Hex(card) },
      ],
      metrics: { rmse: { metric: 'rmse', value: 1 } },
      trainingData: { fingerprint: sha256Hex('lookup'), rows: 100, source: 'synthetic' },
      golden: LOOKUP_GOLDEN_X.map((x) => ({
        inputs: { x },
        outputs: { prediction: [lookupValue(Math.trunc(x), opts.version)] },
      })),
      reference: {
        rows: 100,
        features: { x: { kind: 'numeric', edges: [10, 20, 30, 40], freqs: [0.2, 0.2, 0.2, 0.2, 0.2], missing: 0 } },
        prediction: { kind: 'numeric', edges: [100, 200, 300, 400], freqs: [0.2, 0.2, 0.2, 0.2, 0.2], missing: 0 },
      },
      trainer: { algorithm: 'hand-built', seed: 1, params: { tableSize: opts.tableSize } },
    },
    keys,
  );
  const bytes = manifestBytes(manifest);
  const artifactId = artifactIdOf(bytes);
  const dir = join(root, `${opts.name}-v${opts.version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), bytes);
  writeFileSync(join(dir, 'model.onnx'), model);
  writeFileSync(join(dir, 'card.md'), card);
  return { dir, artifactId, manifest };
}
