import fc from 'fast-check';
import { errorDefinition } from '@outpost/protocol';
import { payloads, type Boundary } from './boundaries.ts';

/** Statuses a refused body may get; anything else (a 500 above all) is a crash. */
const REFUSALS = new Set([400, 401, 403, 404, 409, 413, 415, 422]);

/** Ids a body may name, so some cases reach past the schema into the fleet's own checks. */
const SAMPLE = {
  gateway: 'gw1',
  model: 'housing',
  version: 1,
  devices: ['dev-1'],
  device: 'dev-1',
  to: 'gw1',
  reason: 'fuzz',
  name: 'fuzz-token',
  role: 'viewer',
  waves: '1,100%',
  target: { gateway: 'gw1' },
  label: 1,
  predictionId: 'dev-1-ab12-3',
};

export interface ApiRoute {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** With every `{param}` filled in. */
  path: string;
  /** A body built from the route's JSON Schema (sample ids where names match): the mutations start here. */
  example: unknown;
}

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
}

/** One value the schema accepts, or near enough: the fleet's own checks decide the rest. */
function exampleOf(schema: JsonSchema | undefined, key = ''): unknown {
  if (!schema) return {};
  if (key in SAMPLE) return SAMPLE[key as keyof typeof SAMPLE];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const alt = schema.anyOf ?? schema.oneOf;
  if (alt) return exampleOf(alt[0], key);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'object' || schema.properties)
    return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, exampleOf(v, k)]));
  if (type === 'array') return [exampleOf(schema.items)];
  if (type === 'integer' || type === 'number') return schema.minimum ?? 1;
  if (type === 'boolean') return false;
  return 'x';
}

/**
 * The fleet's write routes as its OpenAPI document lists them (so a route added later is fuzzed
 * without touching this file), path parameters filled with sample ids. `skip` names routes left
 * out, e.g. one that starts long work on a valid body.
 */
export async function apiRoutes(url: string, skip: readonly string[] = []): Promise<ApiRoute[]> {
  type Operation = { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } };
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, Operation>>;
  };
  const out: ApiRoute[] = [];
  for (const [template, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      const method = m.toUpperCase();
      if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE') continue;
      if (skip.includes(`${method} ${template}`)) continue;
      const schema = op.requestBody?.content?.['application/json']?.schema;
      out.push({ method, path: template.replace(/\{[^}]+\}/g, 'fuzz-1'), example: exampleOf(schema) });
    }
  }
  return out;
}

/**
 * Fuzzed bodies to every write route of the operator API over real loopback HTTP, with an admin
 * token (the widest rights): the fleet answers a success or a coded 4xx, never a 500, and stays up.
 */
export function apiBoundary(url: string, token: string, routes: readonly ApiRoute[]): Boundary<[number, Uint8Array]> {
  return {
    name: `HTTP operator API bodies (${routes.length} write routes)`,
    input: fc.oneof(...routes.map((r, i) => fc.tuple(fc.constant(i), payloads(r.example)))),
    async run([i, body]) {
      const route = routes[i] as ApiRoute;
      const res = await fetch(`${url}${route.path}`, {
        method: route.method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
      const text = await res.text();
      if (res.status < 300) return { accepted: true };
      let code: string | undefined;
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        code = undefined;
      }
      if (!REFUSALS.has(res.status) || code === undefined || errorDefinition(code) === undefined)
        throw new Error(`${route.method} ${route.path}: status ${res.status} with ${text.slice(0, 300)}`);
      return { accepted: false, code };
    },
  };
}
