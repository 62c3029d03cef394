/**
 * Validation of a fitted pipeline read from JSON (e.g. the input transform inside a .tflite file):
 * a step whose kind this runtime does not know fails with OUTPOST_ERR_PIPELINE_STEP_UNKNOWN, any
 * other malformed part with OUTPOST_ERR_SCHEMA_INVALID naming the field. Numbers must be finite;
 * the device never meets a NaN constant.
 */
import { z } from 'zod';
import { validate } from '../decode.ts';
import {
  SPEC_PIPELINE_FORMAT,
  isKnownStepOp,
  unknownStepError,
  type FittedPipeline,
  type PipelineStepOp,
} from './pipeline.ts';
import { centresShapeProblem } from './steps/cluster-similarity.ts';

const Name = z.string().min(1).max(256);
const Num = z.number().finite();

const stepSchemas: Record<PipelineStepOp, z.ZodType> = {
  capped: z.strictObject({ op: z.literal('capped'), column: Name, name: Name, cap: Num }),
  impute: z.union([
    z.strictObject({
      op: z.literal('impute'),
      column: Name,
      kind: z.literal('numeric'),
      fill: Num,
      indicator: Name.nullable(),
    }),
    z.strictObject({
      op: z.literal('impute'),
      column: Name,
      kind: z.literal('categorical'),
      fill: z.string(),
      indicator: Name.nullable(),
    }),
  ]),
  clip: z
    .strictObject({ op: z.literal('clip'), column: Name, lo: Num, hi: Num })
    .refine((s) => s.lo <= s.hi, { error: 'lo must be ≤ hi' }),
  ratio: z.strictObject({ op: z.literal('ratio'), name: Name, numerator: Name, denominator: Name, fallback: Num }),
  log: z.strictObject({ op: z.literal('log'), column: Name, offset: Num }),
  bin: z
    .strictObject({ op: z.literal('bin'), column: Name, name: Name, edges: z.array(Num).min(1) })
    .refine((s) => s.edges.every((e, i) => i === 0 || e > (s.edges[i - 1] as number)), {
      error: 'edges must ascend strictly',
    }),
  rotate: z.strictObject({ op: z.literal('rotate'), name: Name, x: Name, y: Name, cos: Num, sin: Num }),
  cluster_similarity: z
    .strictObject({
      op: z.literal('cluster_similarity'),
      name: Name,
      columns: z.array(Name).min(1),
      centres: z.array(z.array(Num)).min(1),
      gamma: Num.refine((v) => v > 0, { error: 'gamma must be > 0' }),
    })
    .refine((s) => centresShapeProblem(s) === null, {
      error: 'each centre needs one coordinate per column',
      path: ['centres'],
    }),
  ordinal: z.strictObject({ op: z.literal('ordinal'), column: Name, order: z.array(z.string()).min(1) }),
  onehot: z.strictObject({ op: z.literal('onehot'), column: Name, categories: z.array(z.string()) }),
  scale: z
    .strictObject({
      op: z.literal('scale'),
      mean: z.array(Num),
      std: z.array(Num.refine((v) => v !== 0, { error: 'std must not be 0' })),
    })
    .refine((s) => s.mean.length === s.std.length, { error: 'mean and std need one entry per design column' }),
};

const Envelope = z.strictObject({
  format: z.literal(SPEC_PIPELINE_FORMAT),
  inputs: z.array(z.strictObject({ name: Name, kind: z.enum(['numeric', 'categorical']) })).min(1),
  steps: z.array(z.looseObject({ op: z.unknown() })),
  features: z.array(Name).min(1),
});

/** A fitted pipeline from untrusted JSON; `what` names it in error messages. */
export function parsePipeline(value: unknown, what = 'pipeline'): FittedPipeline {
  const envelope = validate(Envelope, value, what);
  // Unknown kinds first: the clearer error for a pipeline from a newer trainer.
  envelope.steps.forEach((s, i) => {
    if (!isKnownStepOp(s.op)) throw unknownStepError(s.op, i);
  });
  const steps = envelope.steps.map((s, i) =>
    validate(stepSchemas[s.op as PipelineStepOp], s, `${what}: step ${i} (${String(s.op)})`),
  );
  return { format: envelope.format, inputs: envelope.inputs, steps, features: envelope.features } as FittedPipeline;
}
