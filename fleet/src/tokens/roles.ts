import { ApiErrorCodes, fleetError } from '../errors.ts';

/**
 * Operator roles, weakest first (docs/OPERATIONS.md "Dashboard and API"): a viewer reads, an
 * operator also changes intent (assign, unassign, rollback, withdraw), an admin also manages tokens.
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(x: unknown): x is Role {
  return typeof x === 'string' && (ROLES as readonly string[]).includes(x);
}

/** Throws OUTPOST_ERR_TOKEN_ROLE_INVALID unless `x` is a role. */
export function parseRole(x: unknown): Role {
  if (!isRole(x))
    throw fleetError(ApiErrorCodes.TOKEN_ROLE_INVALID, `role must be one of ${ROLES.join(', ')}`, {
      role: String(x),
    });
  return x;
}

/** True when `role` may do what `needed` may. */
export function atLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
