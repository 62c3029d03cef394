/**
 * The one table of Outpost error codes (docs/ARCHITECTURE.md "Errors"). Every code is defined once,
 * through `defineErrors`, by the file that owns it (protocol/src/errors.ts, pipeline/errors.ts and
 * each workspace's src/errors.ts); a second definition of the same code throws at load time. The
 * code string is made here from its key, so no other file spells one out: code refers to the
 * constants `defineErrors` returns. docs/errors.md is rendered from this table (`npm run docs:errors`).
 */
import { OutpostError } from './outpost-error.ts';

/** Who defines a code; each is one section of docs/errors.md. */
export type ErrorOwner = 'protocol' | 'cli' | 'trainer' | 'fleet' | 'gateway' | 'device';

export interface ErrorDefinition {
  readonly code: string;
  /** The constant's name in its owner's map (the code without `OUTPOST_ERR_` and the owner's prefix). */
  readonly key: string;
  readonly owner: ErrorOwner;
  /** What the code means, as docs/errors.md says it (markdown, one line). */
  readonly meaning: string;
}

export const ERROR_CODE_PREFIX = 'OUTPOST_ERR_';

/** The code constants of one `defineErrors` call: each key maps to `OUTPOST_ERR_<prefix><key>`. */
export type ErrorCodeMap<K extends string, Prefix extends string = ''> = {
  readonly [P in K]: `OUTPOST_ERR_${Prefix}${P}`;
};

const table = new Map<string, ErrorDefinition>();

const KEY = /^[A-Z][A-Z0-9_]*$/;

function invalid(owner: ErrorOwner, key: string, problem: string): OutpostError {
  return new OutpostError(
    `${ERROR_CODE_PREFIX}ERROR_DEFINITION_INVALID`,
    `error key ${JSON.stringify(key)} ${problem}`,
    {
      details: { owner, key },
    },
  );
}

/**
 * Registers `owner`'s codes (key → meaning) and returns their constants; `prefix` (e.g.
 * `PIPELINE_`) goes between `OUTPOST_ERR_` and each key. Throws `OUTPOST_ERR_ERROR_DEFINED_TWICE`
 * when a code is already defined, by this owner or another one.
 */
export function defineErrors<const K extends string, const Prefix extends string = ''>(
  owner: ErrorOwner,
  meanings: Record<K, string>,
  options: { prefix?: Prefix } = {},
): ErrorCodeMap<K, Prefix> {
  const codes: Record<string, string> = {};
  const entries = Object.entries(meanings) as [K, string][];
  for (const [key, meaning] of entries) {
    const code = `${ERROR_CODE_PREFIX}${options.prefix ?? ''}${key}`;
    if (!KEY.test(`${options.prefix ?? ''}${key}`) || !/^[A-Z0-9_]+$/.test(key))
      throw invalid(owner, key, 'is not UPPER_SNAKE_CASE');
    const existing = table.get(code);
    if (existing) {
      throw new OutpostError(
        `${ERROR_CODE_PREFIX}ERROR_DEFINED_TWICE`,
        `${code} is defined by ${existing.owner} and again by ${owner}`,
        { details: { code, first: existing.owner, second: owner } },
      );
    }
    if (meaning.trim() === '') throw invalid(owner, key, 'has no meaning');
    codes[key] = code;
  }
  for (const [key, meaning] of entries) {
    const code = codes[key] as string;
    table.set(code, Object.freeze({ code, key, owner, meaning }));
  }
  return Object.freeze(codes) as ErrorCodeMap<K, Prefix>;
}

/** Every code defined so far (by the modules loaded so far), in definition order. */
export function registeredErrors(): ErrorDefinition[] {
  return [...table.values()];
}

/** The definition of a code, or undefined when nothing loaded defines it. */
export function errorDefinition(code: string): ErrorDefinition | undefined {
  return table.get(code);
}
