/**
 * Batch-1 latency of a model file in onnxruntime-web. Never part of the signed bytes (a measured
 * time never repeats): it goes in the unsigned build report only.
 */
import type { InputSpec } from '@outpost/protocol';
import type { RawRecord } from '../model/trained-model.ts';
import { feedsOf, ortWeb, session } from './ort-runner.ts';

/** Median batch-1 run time in microseconds (`runs` timed runs after 20 warm-up runs). */
export type LatencyMeasure = (bytes: Uint8Array, inputs: readonly InputSpec[], record: RawRecord) => Promise<number>;

export const measureOrtWebLatency = async (
  bytes: Uint8Array,
  inputs: readonly InputSpec[],
  record: RawRecord,
  runs = 200,
): Promise<number> => {
  const ort = await ortWeb();
  const s = await session(ort, bytes);
  try {
    const feeds = feedsOf(ort, inputs, [record]);
    for (let i = 0; i < 20; i++) await s.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await s.run(feeds);
      times.push((performance.now() - t0) * 1000);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1] as number;
  } finally {
    await s.release();
  }
};
