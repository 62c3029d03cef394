import type { FastifyRequest } from 'fastify';
import { ApiErrorCodes, fleetError } from '../errors.ts';
import { atLeast, type Role } from '../tokens/roles.ts';
import type { OperatorToken, OperatorTokenStore } from '../tokens/token-store.ts';

/**
 * Bearer-token authentication of the operator API (docs/OPERATIONS.md "Dashboard and API"): 401
 * without a token or with one the store does not know (or revoked), 403 when its role is below
 * the route's. Which operator made a request is kept per request for the audit log.
 */
export interface Authenticator {
  /** A fastify preHandler: admits the request or throws API_UNAUTHORIZED / API_FORBIDDEN. */
  requireRole(role: Role): (req: FastifyRequest) => Promise<void>;
  /** The operator a request authenticated as (after `requireRole` ran). */
  operatorOf(req: FastifyRequest): OperatorToken | undefined;
}

const BEARER = /^Bearer ([A-Za-z0-9_.~+/-]+=*)$/;

export function createAuthenticator(tokens: Pick<OperatorTokenStore, 'verify'>): Authenticator {
  const operators = new WeakMap<FastifyRequest, OperatorToken>();
  return {
    requireRole(role) {
      return async (req) => {
        const header = req.headers.authorization;
        const m = typeof header === 'string' ? BEARER.exec(header) : null;
        if (!m?.[1])
          throw fleetError(ApiErrorCodes.API_UNAUTHORIZED, 'send an operator token: Authorization: Bearer <token>');
        const operator = tokens.verify(m[1]);
        if (!operator) throw fleetError(ApiErrorCodes.API_UNAUTHORIZED, 'unknown or revoked operator token');
        if (!atLeast(operator.role, role))
          throw fleetError(ApiErrorCodes.API_FORBIDDEN, `this needs the ${role} role; the token has ${operator.role}`, {
            needed: role,
            role: operator.role,
          });
        operators.set(req, operator);
      };
    },
    operatorOf: (req) => operators.get(req),
  };
}
