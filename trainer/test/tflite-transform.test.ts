/**
 * The input transform a device applies (protocol `applyPipeline` over the pipeline read back from
 * the .tflite's JSON) gives exactly the trainer's in-process design matrix — the same step
 * functions, float32 throughout — on rows with nulls, NaN, ±∞ and unseen categories.
 */
import { describe, expect, it } from 'vitest';
import { applyPipeline } from '@outpost/protocol';
import { transformRecords } from '../src/preprocess/spec-pipeline.ts';
import { inputTransform } from '../src/tflite/export-tflite.ts';
import { fixture } from './export-fixtures.ts';

describe('TFLite input transform vs the trainer', () => {
  it('computes the in-process design matrix bit for bit', () => {
    const f = fixture();
    const device = JSON.parse(JSON.stringify(inputTransform(f.pipeline))) as ReturnType<typeof inputTransform>;
    const records = [...f.validation, ...f.trainRecords.slice(0, 100)];
    const want = Float32Array.from(transformRecords(f.pipeline, records).data);
    const got = applyPipeline(device.pipeline, records);
    expect(got.length).toBe(records.length * f.pipeline.features.length);
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});
