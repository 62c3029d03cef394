import type { Manifest } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from './errors.ts';
import type { InferenceSession } from './inference/engine.ts';

/** Golden outputs must match within rtol·|expected| + atol (float32 graph vs the trainer's numbers). */
export const SMOKE_RTOL = 1e-4;
export const SMOKE_ATOL = 1e-6;

export function closeEnough(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= SMOKE_ATOL + SMOKE_RTOL * Math.abs(expected);
}

/**
 * The smoke test before activation (docs/ARCHITECTURE.md "Deploy: desired → reported"): runs every golden
 * example as one batch and compares each expected output value. Throws OUTPOST_ERR_SMOKE_TEST_FAILED
 * naming the first mismatch.
 */
export async function smokeTest(session: InferenceSession, manifest: Manifest): Promise<void> {
  const rows = manifest.golden.map((g) => g.inputs);
  const { outputs } = await session.run(rows);
  const n = rows.length;
  for (let r = 0; r < n; r++) {
    const golden = manifest.golden[r];
    if (!golden) continue;
    for (const [name, expected] of Object.entries(golden.outputs)) {
      const data = outputs[name];
      const fail = (why: string, details: Record<string, unknown> = {}): never => {
        throw deviceError(
          DeviceErrorCodes.SMOKE_TEST_FAILED,
          `${manifest.name} v${manifest.version}: golden example ${r}, output ${name}: ${why}`,
          {
            details: { example: r, output: name, ...details },
          },
        );
      };
      if (!data) return fail('the model has no such output');
      const stride = data.length / n;
      if (stride !== expected.length) fail(`expected ${expected.length} values per row, model gives ${stride}`);
      for (let k = 0; k < expected.length; k++) {
        const raw = data[r * stride + k];
        const actual = typeof raw === 'bigint' ? Number(raw) : typeof raw === 'number' ? raw : NaN;
        const want = expected[k] as number;
        if (!closeEnough(actual, want))
          fail(`value ${k} is ${actual}, expected ${want}`, { index: k, actual, expected: want });
      }
    }
  }
}
