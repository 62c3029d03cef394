import { z } from 'zod';
import { ID_PATTERN } from '../ids.ts';

export const Id = z.string().regex(ID_PATTERN, 'must be 1–64 of [A-Za-z0-9_.-], starting with a letter or digit');
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');
export const IsoTime = z.string().datetime({ offset: true });
export const Count = z.number().int().nonnegative();
/**
 * An array of counts (each a non-negative safe integer), checked in one pass over the array: a
 * telemetry window carries ten of them, and a check per element cost five times as much (bench
 * e2e-ingest, docs/BENCHMARKS.md). A bad element is reported at its index, as `z.array(Count)` does.
 */
export const CountArray = z
  .array(z.number())
  .check((ctx) => {
    const values = ctx.value;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isSafeInteger(v) || v < 0)
        ctx.issues.push({ code: 'custom', message: 'must be a non-negative integer', input: v, path: [i] });
    }
  })
  .meta({ items: { type: 'integer', minimum: 0 } });
export const Finite = z.number().finite();
/** A raw feature value as a device feeds it: a number, a category string, or missing. */
export const FeatureValue = z.union([Finite, z.string().max(256), z.null()]);
export type FeatureValue = z.infer<typeof FeatureValue>;
