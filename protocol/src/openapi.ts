import { z } from 'zod';

/**
 * OpenAPI 3.1 documents built from the zod schemas a service validates with (docs/ARCHITECTURE.md
 * "Bad input"), so the document and the validation cannot disagree. JSON Schema comes from zod's own
 * `toJSONSchema` (draft 2020-12, which OpenAPI 3.1 uses).
 */
export interface ApiResponse {
  description: string;
  schema?: z.ZodType;
}

export interface ApiRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  /** JSON request body. */
  body?: z.ZodType;
  /** By HTTP status. */
  responses: Record<number, ApiResponse>;
  /** Query parameters: name → schema (each a scalar). */
  query?: Record<string, { schema: z.ZodType; description: string; required?: boolean }>;
}

export interface ApiInfo {
  title: string;
  version: string;
  description?: string;
}

const jsonSchema = (schema: z.ZodType): Record<string, unknown> => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

export function openApiDocument(info: ApiInfo, routes: readonly ApiRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const responses = Object.fromEntries(
      Object.entries(r.responses).map(([status, res]) => [
        status,
        {
          description: res.description,
          ...(res.schema ? { content: { 'application/json': { schema: jsonSchema(res.schema) } } } : {}),
        },
      ]),
    );
    (paths[r.path] ??= {})[r.method] = {
      summary: r.summary,
      ...(r.query
        ? {
            parameters: Object.entries(r.query).map(([name, q]) => ({
              name,
              in: 'query',
              description: q.description,
              required: q.required ?? false,
              schema: jsonSchema(q.schema),
            })),
          }
        : {}),
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } } }
        : {}),
      responses,
    };
  }
  return { openapi: '3.1.0', info, paths };
}
