/**
 * Runs asked of one session while another is in flight are joined into one engine run
 * (inference/run-batcher.ts), on a real onnxruntime-node session: each request gets its own rows,
 * and a joined run the engine refuses fails only the request that caused it.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOutpostError, type Manifest } from '@outpost/protocol';
import { DeviceErrorCodes } from '../src/index.ts';
import { OrtSessionAdapter, type TensorConstructor } from '../src/inference/ort-session.ts';
import { LOOKUP_TABLE, lookupModel } from './helpers/onnx-model.ts';

/** The manifest fields the adapter reads. */
const MANIFEST = { inputs: [{ name: 'x', type: 'float' }], predictionOutput: 'prediction' } as unknown as Manifest;

describe('joined runs on one session', () => {
  let real: ort.InferenceSession;
  /** Rows per engine run, in order. */
  const runs: number[] = [];
  let adapter: OrtSessionAdapter;

  beforeAll(async () => {
    real = await ort.InferenceSession.create(lookupModel(), { intraOpNumThreads: 1, logSeverityLevel: 4 });
    // The real session, with each run's batch size written down on the way in.
    const counted = new Proxy(real, {
      get(target, key) {
        if (key === 'run')
          return (feeds: Record<string, ort.Tensor>) => {
            runs.push((feeds.x as ort.Tensor).dims[0] as number);
            return target.run(feeds);
          };
        return Reflect.get(target, key, target) as unknown;
      },
    });
    adapter = new OrtSessionAdapter(counted, MANIFEST, ort.Tensor as TensorConstructor);
  });
  afterAll(async () => adapter.release());

  it('runs a lone request at once and joins the requests that arrive meanwhile, each answered with its own rows', async () => {
    runs.length = 0;
    const asked = [[0], [1, 2], [2], [0, 1, 2], [1]].map((xs) => adapter.run(xs.map((x) => ({ x }))));
    const answers = await Promise.all(asked);
    expect(answers.map((a) => a.predictions)).toEqual([[10], [20, 30], [30], [10, 20, 30], [20]]);
    expect(Array.from(answers[3]?.outputs.prediction as Float32Array)).toEqual([10, 20, 30]);
    expect(runs).toEqual([1, 7]);
  });

  it('fails only the request the engine refuses when a joined run fails', async () => {
    runs.length = 0;
    const asked = [[1], [2], [7], [0, 1]].map((xs) => adapter.run(xs.map((x) => ({ x }))));
    const settled = await Promise.allSettled(asked);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value.predictions : 'refused'))).toEqual([
      [LOOKUP_TABLE[1]],
      [LOOKUP_TABLE[2]],
      'refused',
      [LOOKUP_TABLE[0], LOOKUP_TABLE[1]],
    ]);
    const refused = settled[2] as PromiseRejectedResult;
    expect(isOutpostError(refused.reason, DeviceErrorCodes.INFERENCE_FAILED)).toBe(true);
    // The first alone, the other three joined (refused), then each of those alone.
    expect(runs).toEqual([1, 4, 1, 1, 2]);
  });

  it('keeps a joined run within the row cap, and a larger request whole', async () => {
    runs.length = 0;
    const big = Array.from({ length: 1500 }, (_, i) => ({ x: i % 3 }));
    const asked = [adapter.run([{ x: 0 }]), adapter.run(big), adapter.run([{ x: 1 }]), adapter.run(big.slice(0, 1000))];
    const answers = await Promise.all(asked);
    expect(answers[1]?.predictions).toHaveLength(1500);
    expect(answers[3]?.predictions.slice(0, 3)).toEqual([10, 20, 30]);
    expect(runs).toEqual([1, 1500, 1001]);
  });
});
