import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PredictBody, plainSingleRow, predictRows } from '../src/http/predict-body.ts';

/** Values a row might hold, valid or not for the schema. */
const anyValue = fc.oneof(
  fc.double(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0),
  fc.string({ maxLength: 300 }),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);
const key = fc.oneof(fc.string({ maxLength: 140 }), fc.constantFrom('inputs', 'rows', '__proto__', 'constructor'));
const row = fc.dictionary(key, anyValue, { maxKeys: 6 });
const body = fc.oneof(
  fc.record({ inputs: row }),
  fc.record({ inputs: row, extra: anyValue }),
  fc.record({ rows: fc.array(row, { maxLength: 2 }) }),
  fc.jsonValue(),
  anyValue,
);

describe('POST /predict body: the fast path for one plain row', () => {
  it('accepts nothing the schema refuses, and gives the row the schema gives', () => {
    fc.assert(
      fc.property(body, (b) => {
        const fast = plainSingleRow(b);
        if (fast === undefined) return;
        const parsed = PredictBody.safeParse(b);
        expect(parsed.success).toBe(true);
        expect(parsed.success && 'inputs' in parsed.data ? parsed.data.inputs : undefined).toEqual(fast);
      }),
      { numRuns: 5000 },
    );
  });

  it('is taken for every valid one-row body, so the schema runs only for batches and refusals', () => {
    const validValue = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string({ maxLength: 256 }),
      fc.constant(null),
    );
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ maxLength: 128 }).filter((k) => k !== '__proto__'),
          validValue,
          { maxKeys: 12 },
        ),
        (inputs) => {
          // As the HTTP parser hands it over: a body read from JSON.
          const b = JSON.parse(JSON.stringify({ inputs })) as { inputs: unknown };
          expect(PredictBody.safeParse(b).success).toBe(true);
          expect(plainSingleRow(b)).toBe(b.inputs);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('leaves refusals to the schema, with its reasons', () => {
    for (const b of [
      { inputs: { x: 'y'.repeat(257) } },
      { inputs: { ['k'.repeat(129)]: 1 } },
      { inputs: { x: 1 }, rows: [] },
      { inputs: { x: [1] } },
      { inputs: { x: true } },
      { inputs: [] },
      [],
      'inputs',
    ]) {
      expect(plainSingleRow(b)).toBeUndefined();
      expect(() => predictRows(b)).toThrow(/predict body/);
    }
    expect(predictRows({ rows: [{ x: 1 }, { x: 2 }] })).toEqual([{ x: 1 }, { x: 2 }]);
  });
});
