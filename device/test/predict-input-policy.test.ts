import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Manifest, decode, isOutpostError } from '@outpost/protocol';
import { DeviceErrorCodes } from '../src/index.ts';
import { graphImputedInputs, inputsAcceptingMissing } from '../src/inference/missing-inputs.ts';
import { readOnnxOutline } from '../src/inference/onnx-graph.ts';
import { tinyRegressionModel } from './helpers/onnx-model.ts';

const BUILDS = path.resolve(import.meta.dirname, '../../firmware-models');

function build(p: string): { manifest: Manifest; onnx: Buffer } {
  return {
    manifest: decode(Manifest, readFileSync(path.join(BUILDS, p, 'manifest.json')), 'manifest'),
    onnx: readFileSync(path.join(BUILDS, p, 'model.onnx')),
  };
}

describe('which numeric inputs a model may take missing', () => {
  it('reads the committed builds: only the inputs their specs impute explicitly (housing total_bedrooms)', () => {
    const expected: Record<string, string[]> = {
      'housing/1': ['total_bedrooms'],
      'occupancy/1': [],
      'occupancy/2': [],
      'shipping/1': [],
    };
    for (const [p, want] of Object.entries(expected)) {
      const { manifest, onnx } = build(p);
      // The trainer fills every numeric input in the graph …
      const numeric = manifest.inputs.filter((i) => i.type === 'float').map((i) => i.name);
      expect([...graphImputedInputs(readOnnxOutline(onnx))].sort(), p).toEqual([...numeric].sort());
      // … but only the ones seen missing in training (an explicit impute step) may be missing in use.
      expect([...inputsAcceptingMissing(manifest, onnx)], p).toEqual(want);
    }
  });

  it("lets the manifest's `missing` field decide when present", () => {
    const { manifest, onnx } = build('housing/1');
    const flipped: Manifest = {
      ...manifest,
      inputs: manifest.inputs.map((i) =>
        i.name === 'total_bedrooms'
          ? { ...i, missing: 'rejected' as const }
          : i.name === 'median_income'
            ? { ...i, missing: 'allowed' as const }
            : i,
      ),
    };
    expect([...inputsAcceptingMissing(flipped, onnx)]).toEqual(['median_income']);
    // A graph without an imputer (the tiny test model) accepts nothing missing unless declared.
    const tiny = tinyRegressionModel(1);
    expect(graphImputedInputs(readOnnxOutline(tiny)).size).toBe(0);
  });

  it('refuses bytes that are not an ONNX protobuf with the model-load code', () => {
    let err: unknown;
    try {
      readOnnxOutline(Buffer.from([0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    } catch (e) {
      err = e;
    }
    expect(isOutpostError(err, DeviceErrorCodes.MODEL_LOAD)).toBe(true);
  });
});
