/**
 * Runs a model file as a device does: onnxruntime-web, one wasm thread, the device's session
 * options (device/src/inference/ort-web-engine.ts), one [N, 1] tensor per raw input.
 */
import type { InputSpec } from '@outpost/protocol';
import type * as OrtWeb from 'onnxruntime-web';
import type { RawRecord } from '../model/trained-model.ts';

export type Ort = typeof OrtWeb;
let ortPromise: Promise<Ort> | null = null;

/** onnxruntime-web, loaded on first use (its wasm start costs ~0.4 s), one thread like the device. */
export function ortWeb(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-web').then((ort) => {
    ort.env.wasm.numThreads = 1;
    return ort;
  });
  return ortPromise;
}

/** The device's feeds: one [N, 1] tensor per input; missing numbers NaN, missing strings ''. */
export function feedsOf(
  ort: Ort,
  inputs: readonly InputSpec[],
  records: readonly RawRecord[],
): Record<string, OrtWeb.Tensor> {
  const feeds: Record<string, OrtWeb.Tensor> = {};
  for (const input of inputs) {
    const values = records.map((r) => r[input.name]);
    feeds[input.name] =
      input.type === 'float'
        ? new ort.Tensor(
            'float32',
            Float32Array.from(values, (v) => (typeof v === 'number' ? v : NaN)),
            [records.length, 1],
          )
        : new ort.Tensor(
            'string',
            values.map((v) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '')),
            [records.length, 1],
          );
  }
  return feeds;
}

export async function session(ort: Ort, bytes: Uint8Array): Promise<OrtWeb.InferenceSession> {
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
}

/** Each output's flat values for `records`, run in onnxruntime-web as a device would. */
export async function runInOrtWeb(
  bytes: Uint8Array,
  inputs: readonly InputSpec[],
  records: readonly RawRecord[],
): Promise<Record<string, number[]>> {
  if (records.length === 0) return {};
  const ort = await ortWeb();
  const s = await session(ort, bytes);
  try {
    const res = await s.run(feedsOf(ort, inputs, records));
    return Object.fromEntries(
      Object.entries(res).map(([k, t]) => [k, Array.from(t.data as ArrayLike<number | bigint>, Number)]),
    );
  } finally {
    await s.release();
  }
}
