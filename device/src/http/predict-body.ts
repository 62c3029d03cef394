import { z } from 'zod';
import { FeatureValue, validate } from '@outpost/protocol';

export const MAX_ROWS = 1000;
export const MAX_BODY_BYTES = 1024 * 1024;
/** Longest feature name and longest string value a row may hold (as the schemas below say). */
const MAX_KEY_LENGTH = 128;
const MAX_STRING_LENGTH = 256;

const Row = z.record(z.string().max(MAX_KEY_LENGTH), FeatureValue);

/** `POST /predict` body: one row as `inputs`, or up to 1000 `rows`. */
export const PredictBody = z.union([
  z.strictObject({ inputs: Row }),
  z.strictObject({ rows: z.array(Row).min(1).max(MAX_ROWS) }),
]);
export type PredictBody = z.infer<typeof PredictBody>;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/**
 * The common body — one row of numbers, strings and nulls — checked without the schema machinery:
 * the row when the body is `{ inputs: {...} }` and every key and value is one `PredictBody` accepts,
 * otherwise undefined (the schema then decides, and explains a refusal). It accepts nothing the
 * schema refuses (device/test/predict-body.test.ts checks it against the schema on generated bodies).
 */
export function plainSingleRow(body: unknown): Record<string, FeatureValue> | undefined {
  if (!isPlainObject(body)) return undefined;
  let inputs: unknown;
  for (const key in body) {
    if (key !== 'inputs' || !Object.hasOwn(body, key)) return undefined;
    inputs = body[key];
  }
  if (!isPlainObject(inputs)) return undefined;
  for (const key in inputs) {
    // The schema drops an own `__proto__` key (fastify's JSON parser refuses one before this anyway).
    if (!Object.hasOwn(inputs, key) || key.length > MAX_KEY_LENGTH || key === '__proto__') return undefined;
    const v = inputs[key];
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return undefined;
    } else if (typeof v === 'string') {
      if (v.length > MAX_STRING_LENGTH) return undefined;
    } else if (v !== null) return undefined;
  }
  return inputs as Record<string, FeatureValue>;
}

/** The rows of a `POST /predict` body; throws OUTPOST_ERR_SCHEMA_INVALID with the schema's issues. */
export function predictRows(body: unknown): Record<string, FeatureValue>[] {
  const row = plainSingleRow(body);
  if (row) return [row];
  const parsed = validate(PredictBody, body, 'predict body');
  return 'rows' in parsed ? parsed.rows : [parsed.inputs];
}
