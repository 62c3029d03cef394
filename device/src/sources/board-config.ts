import { readFile } from 'node:fs/promises';
import { errorMessage } from '@outpost/protocol';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DeviceErrorCodes, deviceError } from '../errors.ts';

/** Linear map of a raw reading: `from: [lo, hi]` onto `to: [lo, hi]`, or `value·factor + offset`. */
const Scale = z
  .strictObject({
    from: z.tuple([z.number(), z.number()]).optional(),
    to: z.tuple([z.number(), z.number()]).optional(),
    factor: z.number().optional(),
    offset: z.number().optional(),
  })
  .superRefine((s, ctx) => {
    const ranged = s.from !== undefined || s.to !== undefined;
    if (ranged && (s.factor !== undefined || s.offset !== undefined))
      ctx.addIssue({ code: 'custom', message: 'either from/to or factor/offset, not both' });
    if (ranged && (s.from === undefined || s.to === undefined))
      ctx.addIssue({ code: 'custom', message: 'from and to go together' });
    if (s.from && s.from[0] === s.from[1])
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'from needs two different ends' });
  });

const Smoothing = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('mean'), window: z.int().min(1).max(1000) }),
  z.strictObject({ method: z.literal('median'), window: z.int().min(1).max(1000) }),
  z.strictObject({ method: z.literal('ewma'), alpha: z.number().gt(0).max(1) }),
]);

/**
 * A feature read from a pin (`pin`, with `type`, `scale`, `smoothing`), or a constant every row
 * carries unchanged (`value`: where the device stands, `site: { value: kitchen }`).
 */
const Feature = z
  .strictObject({
    /** Pin as the IO plugin names it: `A0` (analog), `7`, `GPIO4`, `P1-7` (raspi-io). */
    pin: z.union([z.string().min(1), z.int().min(0)]).optional(),
    type: z.enum(['analog', 'digital']).optional(),
    scale: Scale.optional(),
    smoothing: Smoothing.optional(),
    value: z.union([z.string(), z.number()]).optional(),
  })
  .superRefine((f, ctx) => {
    if ((f.pin === undefined) === (f.value === undefined))
      ctx.addIssue({ code: 'custom', message: 'a feature has either a pin or a constant value' });
    if (f.value !== undefined && (f.type !== undefined || f.scale !== undefined || f.smoothing !== undefined))
      ctx.addIssue({ code: 'custom', message: 'a constant value takes no type, scale or smoothing' });
  });

export const BoardConfigSchema = z.strictObject({
  board: z.strictObject({
    /** The IO plugin's npm package (`raspi-io`, `pigpio-io`, `firmata`…) or a path relative to this file. */
    io: z.string().min(1),
    /** Named export holding the plugin class; default: the default export, else the module's only class. */
    export: z.string().min(1).optional(),
    /** Passed to the plugin's constructor. */
    options: z.record(z.string(), z.unknown()).default({}),
    /** How long the board may take to report ready. */
    readyTimeoutMs: z.int().min(1).max(600_000).default(10_000),
  }),
  /** One row of every feature this often. */
  intervalMs: z.int().min(10).max(86_400_000),
  features: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'feature names are letters, digits, _ . -'), Feature)
    .refine((f) => Object.keys(f).length > 0, 'at least one feature'),
});

export type BoardConfig = z.infer<typeof BoardConfigSchema>;
export type FeatureConfig = z.infer<typeof Feature>;
export type ScaleConfig = z.infer<typeof Scale>;
export type SmoothingConfig = z.infer<typeof Smoothing>;

export type PinFeatureConfig = FeatureConfig & { pin: string | number };

/**
 * Validates a board config (docs/DEVICE.md "Attaching a sensor"); throws
 * OUTPOST_ERR_BOARD_CONFIG_INVALID with one line per problem, each naming its path, and the
 * problems in `details.issues`.
 */
export function parseBoardConfig(text: string, source = 'board config'): BoardConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw deviceError(DeviceErrorCodes.BOARD_CONFIG_INVALID, `${source}: not valid YAML: ${errorMessage(err)}`, {
      cause: err,
      details: { issues: [{ path: '', message: errorMessage(err) }] },
    });
  }
  const result = BoardConfigSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 20)
      .map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw deviceError(
      DeviceErrorCodes.BOARD_CONFIG_INVALID,
      `${source}:\n${issues.map((i) => `  ${i.path || '(top)'}: ${i.message}`).join('\n')}`,
      { details: { issues } },
    );
  }
  return result.data;
}

/** Reads and validates a board config file. */
export async function loadBoardConfig(file: string): Promise<BoardConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw deviceError(DeviceErrorCodes.BOARD_CONFIG_INVALID, `cannot read ${file}: ${errorMessage(err)}`, {
      cause: err,
      details: { issues: [{ path: '', message: errorMessage(err) }] },
    });
  }
  return parseBoardConfig(text, file);
}
