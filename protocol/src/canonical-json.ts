import { ErrorCodes, OutpostError } from './errors.ts';

/**
 * Canonical JSON: object keys sorted by code unit, no insignificant whitespace, numbers as
 * JSON.stringify writes them. Signing and content addressing hash these bytes (docs/ARCHITECTURE.md "Artifact").
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new OutpostError(ErrorCodes.CANONICAL_JSON, `non-finite number at ${path}`, { details: { field: path } });
      }
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => write(v, `${path}[${i}]`)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write(obj[k], `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new OutpostError(ErrorCodes.CANONICAL_JSON, `cannot write ${typeof value} at ${path}`, {
        details: { field: path },
      });
  }
}
