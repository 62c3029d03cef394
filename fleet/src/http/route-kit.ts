import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiResponse, Clock, Logger } from '@outpost/protocol';
import { ApiErrorCodes, fleetError } from '../errors.ts';
import type { Fleet } from '../fleet.ts';
import type { Role } from '../tokens/roles.ts';
import type { OperatorToken, OperatorTokenStore } from '../tokens/token-store.ts';
import { ErrorReply } from './api-schemas.ts';
import type { Authenticator } from './auth.ts';

/**
 * How an area of the operator API declares its routes (docs/ARCHITECTURE.md "Operator API"): one
 * module per area, `export function <area>Routes(app, ctx)`, each route declared once through
 * `ctx.route` with its role, zod schemas for params, query and body, and its replies' schemas, so
 * validation, authentication and the OpenAPI document come from the same declaration.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** fastify syntax: `/api/v1/devices/:id`. */
  path: string;
  summary: string;
  /** The weakest role allowed; `null` for a public route. */
  role: Role | null;
  params?: P;
  query?: Q;
  body?: B;
  /** Successful replies by status; the error replies of the role and schemas are added. */
  responses: Record<number, ApiResponse>;
  /** Returns the reply's body, or `undefined` after answering through `reply` itself (streams). */
  handler(input: {
    params: z.infer<P>;
    query: z.infer<Q>;
    body: z.infer<B>;
    operator: OperatorToken | undefined;
    req: FastifyRequest;
    reply: FastifyReply;
  }): Promise<unknown> | unknown;
}

/** A route as the OpenAPI document sees it. */
export interface DeclaredRoute {
  method: RouteSpec<z.ZodType, z.ZodType, z.ZodType>['method'];
  path: string;
  summary: string;
  role: Role | null;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  responses: Record<number, ApiResponse>;
}

export interface ApiContext {
  fleet: Fleet;
  tokens: OperatorTokenStore;
  clock: Clock;
  logger: Logger;
  /** A fastify preHandler admitting tokens of `role` or stronger (401 / 403 otherwise). */
  requireRole: Authenticator['requireRole'];
  /** Declares a route: registers it on the API's fastify instance and in the OpenAPI document. */
  route<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType>(
    spec: RouteSpec<P, Q, B>,
  ): void;
}

/** Throws OUTPOST_ERR_API_REQUEST_INVALID with the zod issues when `value` fails `schema`. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  throw fleetError(
    ApiErrorCodes.API_REQUEST_INVALID,
    `${where}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
    {
      issues,
    },
  );
}

const err = (description: string): ApiResponse => ({ description, schema: ErrorReply });

/** The route declarer of an API instance, and the list the OpenAPI document is built from. */
export function routeDeclarer(
  app: FastifyInstance,
  auth: Authenticator,
): { route: ApiContext['route']; declared: DeclaredRoute[] } {
  const declared: DeclaredRoute[] = [];
  const route: ApiContext['route'] = (spec) => {
    const responses: Record<number, ApiResponse> = { ...spec.responses };
    if (spec.params || spec.query || spec.body) responses[400] ??= err('the request fails its schema (details.issues)');
    if (spec.body) responses[413] ??= err('body too large');
    if (spec.role !== null) {
      responses[401] ??= err('no operator token, or an unknown or revoked one');
      responses[403] ??= err(`the token's role is below ${spec.role}`);
    }
    declared.push({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      role: spec.role,
      responses,
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body ? { body: spec.body } : {}),
    });
    app.route({
      method: spec.method.toUpperCase() as 'GET',
      url: spec.path,
      ...(spec.role !== null ? { preHandler: auth.requireRole(spec.role) } : {}),
      handler: async (req, reply) => {
        const input = {
          params: spec.params ? parseInput(spec.params, req.params, 'params') : undefined,
          query: spec.query ? parseInput(spec.query, req.query, 'query') : undefined,
          body: spec.body ? parseInput(spec.body, req.body, 'body') : undefined,
          operator: auth.operatorOf(req),
          req,
          reply,
        } as Parameters<typeof spec.handler>[0];
        const result = await spec.handler(input);
        if (result === undefined) return reply;
        return reply.code(Number(Object.keys(spec.responses)[0] ?? 200)).send(result);
      },
    });
  };
  return { route, declared };
}
