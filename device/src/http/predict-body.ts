import { z } from 'zod';
import { FeatureValue } from '@outpost/protocol';

export const MAX_ROWS = 1000;
export const MAX_BODY_BYTES = 1024 * 1024;

const Row = z.record(z.string().max(128), FeatureValue);

/** `POST /predict` body: one row as `inputs`, or up to 1000 `rows`. */
export const PredictBody = z.union([
  z.strictObject({ inputs: Row }),
  z.strictObject({ rows: z.array(Row).min(1).max(MAX_ROWS) }),
]);
export type PredictBody = z.infer<typeof PredictBody>;
