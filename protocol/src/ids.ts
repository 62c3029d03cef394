import { ErrorCodes, OutpostError } from './errors.ts';

/**
 * Identifiers of devices, gateways and models become topic levels, so they may not hold
 * `/`, `+`, `#` or anything a shell or file name would trip on.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function assertId(kind: string, id: string): string {
  if (!ID_PATTERN.test(id)) {
    throw new OutpostError(ErrorCodes.ID_INVALID, `${kind} id ${JSON.stringify(id)} must match ${ID_PATTERN.source}`, {
      details: { field: kind, value: id },
    });
  }
  return id;
}
