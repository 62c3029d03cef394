/**
 * Retraining settings of a running fleet (docs/MONITORING.md "Retraining"), read from
 * `<data-dir>/retrain.json` when it exists; everything is optional and the automatic trigger is
 * off by default. Paths are relative to the data folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { RetrainErrorCodes, retrainError } from './errors.ts';

export const RETRAIN_SETTINGS_FILE = 'retrain.json';

const Settings = z.strictObject({
  /** The signing key pair folder (default `<data-dir>/keys`, the fleet's own pair). */
  keys: z.string().min(1).optional(),
  /** Where the specs are: `<specs>/<model>/problem.yaml` (default `firmware-models` in the working directory). */
  specs: z.string().min(1).optional(),
  /** The fresh-data source: `<fresh>/<model>.csv` or `.jsonl` (default `<data-dir>/fresh`). */
  fresh: z.string().min(1).optional(),
  /** Canary waves started for a registered challenger (default: none, the operator rolls it out). */
  canary: z.string().min(1).optional(),
  quick: z.boolean().optional(),
  auto: z
    .strictObject({
      /** Retrain on a firing drift, data-quality or performance alert of the model. */
      onAlert: z.boolean().optional(),
      /** Retrain after this many new labels of the model. */
      afterLabels: z.number().int().positive().optional(),
      /** Wait this long after the first trigger (more triggers meanwhile join it); default 10 min. */
      debounceMs: z.number().int().min(0).optional(),
      /** How often new labels are counted; default 1 min. */
      labelPollMs: z.number().int().positive().optional(),
    })
    .optional(),
});

export interface AutoRetrainSettings {
  onAlert: boolean;
  afterLabels: number | null;
  debounceMs: number;
  labelPollMs: number;
}

export interface RetrainSettings {
  keysDir: string;
  specsDir: string;
  freshDir: string;
  canary?: string;
  quick: boolean;
  auto: AutoRetrainSettings;
}

export const DEFAULT_RETRAIN_DEBOUNCE_MS = 600_000;
export const DEFAULT_LABEL_POLL_MS = 60_000;

export function parseRetrainSettings(raw: unknown, dataDir: string, file = RETRAIN_SETTINGS_FILE): RetrainSettings {
  const r = Settings.safeParse(raw ?? {});
  if (!r.success)
    throw retrainError(
      RetrainErrorCodes.RETRAIN_SETTINGS_INVALID,
      `${file}: ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      {
        file,
      },
    );
  const s = r.data;
  return {
    keysDir: resolve(dataDir, s.keys ?? 'keys'),
    specsDir: resolve(s.specs ?? 'firmware-models'),
    freshDir: resolve(dataDir, s.fresh ?? 'fresh'),
    ...(s.canary !== undefined ? { canary: s.canary } : {}),
    quick: s.quick ?? false,
    auto: {
      onAlert: s.auto?.onAlert ?? false,
      afterLabels: s.auto?.afterLabels ?? null,
      debounceMs: s.auto?.debounceMs ?? DEFAULT_RETRAIN_DEBOUNCE_MS,
      labelPollMs: s.auto?.labelPollMs ?? DEFAULT_LABEL_POLL_MS,
    },
  };
}

export function loadRetrainSettings(dataDir: string): RetrainSettings {
  const file = join(dataDir, RETRAIN_SETTINGS_FILE);
  if (!existsSync(file)) return parseRetrainSettings({}, dataDir, file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw retrainError(RetrainErrorCodes.RETRAIN_SETTINGS_INVALID, `${file} is not JSON`, { file }, cause);
  }
  return parseRetrainSettings(raw, dataDir, file);
}

/** The model's fresh file in the fresh-data folder (`<model>.csv`, else `<model>.jsonl`), if there is one. */
export function freshFileOf(settings: Pick<RetrainSettings, 'freshDir'>, model: string): string | undefined {
  for (const ext of ['csv', 'jsonl']) {
    const f = join(settings.freshDir, `${model}.${ext}`);
    if (existsSync(f)) return f;
  }
  return undefined;
}
