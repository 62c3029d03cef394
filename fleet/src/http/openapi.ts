import { z } from 'zod';
import { openApiDocument, type ApiRoute } from '@outpost/protocol';
import type { DeclaredRoute } from './route-kit.ts';

/** `/api/v1/devices/:id` → `/api/v1/devices/{id}`. */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function fieldsOf(schema: z.ZodType | undefined): [string, z.ZodType][] {
  return schema instanceof z.ZodObject ? Object.entries(schema.shape as Record<string, z.ZodType>) : [];
}

/**
 * The operator API's OpenAPI 3.1 document, from the zod schemas its routes are declared with
 * (the protocol's generator, plus path parameters and the bearer scheme).
 */
export function apiDocument(info: { title: string; version: string }, routes: readonly DeclaredRoute[]) {
  const apiRoutes: ApiRoute[] = routes.map((r) => {
    const query = fieldsOf(r.query);
    return {
      method: r.method,
      path: openApiPath(r.path),
      summary: r.role === null ? r.summary : `${r.summary} (role: ${r.role})`,
      responses: r.responses,
      ...(r.body ? { body: r.body } : {}),
      ...(query.length > 0
        ? {
            query: Object.fromEntries(
              query.map(([name, s]) => [
                name,
                { schema: s, description: s.description ?? name, required: !s.safeParse(undefined).success },
              ]),
            ),
          }
        : {}),
    };
  });
  const doc = openApiDocument(
    {
      ...info,
      description:
        'The Outpost fleet operator API (docs/OPERATIONS.md "Dashboard and API"). Send `Authorization: Bearer <token>`; roles viewer < operator < admin.',
    },
    apiRoutes,
  ) as { paths: Record<string, Record<string, Record<string, unknown>>> } & Record<string, unknown>;
  for (const r of routes) {
    const op = doc.paths[openApiPath(r.path)]?.[r.method];
    if (!op) continue;
    const params = fieldsOf(r.params).map(([name, s]) => ({
      name,
      in: 'path',
      required: true,
      description: s.description ?? name,
      schema: z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }),
    }));
    if (params.length > 0) op.parameters = [...params, ...((op.parameters as unknown[] | undefined) ?? [])];
    op.security = r.role === null ? [] : [{ bearer: [] }];
  }
  return { ...doc, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } };
}
