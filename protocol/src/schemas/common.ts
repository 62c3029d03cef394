import { z } from 'zod';
import { ID_PATTERN } from '../ids.ts';

export const Id = z.string().regex(ID_PATTERN, 'must be 1–64 of [A-Za-z0-9_.-], starting with a letter or digit');
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');
export const IsoTime = z.string().datetime({ offset: true });
export const Count = z.number().int().nonnegative();
export const Finite = z.number().finite();
/** A raw feature value as a device feeds it: a number, a category string, or missing. */
export const FeatureValue = z.union([Finite, z.string().max(256), z.null()]);
export type FeatureValue = z.infer<typeof FeatureValue>;
