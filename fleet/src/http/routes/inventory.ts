import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Id } from '@outpost/protocol';
import { FleetErrorCodes, fleetError } from '../../errors.ts';
import { DEFAULT_OFFLINE_AFTER_MS } from '../../intent/outcome.ts';
import { deviceEntries, listGateways, listModels, withHealth } from '../../inventory/inventory.ts';
import { healthReaderFor } from '../../inventory/sqlite-health-reader.ts';
import { Device, ErrorReply, Gateway, ModelReply, ModelVersion, PageQuery, page } from '../api-schemas.ts';
import { paginate } from '../pagination.ts';
import type { ApiContext } from '../route-kit.ts';

const offlineAfter = z.coerce
  .number()
  .int()
  .min(1)
  .default(DEFAULT_OFFLINE_AFTER_MS)
  .describe('a node silent this long (ms) is offline (default 180000)');

const DevicesQuery = z.strictObject({
  site: Id.optional().describe('only devices of this gateway'),
  model: Id.optional().describe('only devices running or assigned this model'),
  state: z.enum(['converged', 'updating', 'failed', 'offline', 'unassigned']).optional().describe('only this state'),
  offlineAfterMs: offlineAfter,
  ...PageQuery,
});

const GatewaysQuery = z.strictObject({
  state: z
    .enum(['idle', 'updating', 'converged', 'failed', 'offline', 'unknown'])
    .optional()
    .describe('only this reported status (offline: also silent ones)'),
  offlineAfterMs: offlineAfter,
  ...PageQuery,
});

const ModelsQuery = z.strictObject({
  model: Id.optional().describe('only this model'),
  state: z.enum(['active', 'withdrawn']).optional().describe('only versions that are (not) withdrawn'),
  ...PageQuery,
});

const ById = z.strictObject({ id: Id });
const ByName = z.strictObject({ name: Id });
const OneQuery = z.strictObject({ offlineAfterMs: offlineAfter });

const notFound = (description: string) => ({ 404: { description, schema: ErrorReply } });

/** Inventory (docs/OPERATIONS.md "Inventory"): devices, gateways, model versions, the CLI's filters, paginated. */
export function inventoryRoutes(_app: FastifyInstance, ctx: ApiContext): void {
  const now = (): number => ctx.clock.now();
  ctx.route({
    method: 'get',
    path: '/api/v1/devices',
    summary: 'devices: what each runs and was assigned, state, last seen, health',
    role: 'viewer',
    query: DevicesQuery,
    responses: { 200: { description: 'a page of devices, by id', schema: page(Device) } },
    handler: ({ query }) => {
      // Filters and the page first; health only for the devices on the page.
      const list = deviceEntries(ctx.fleet.store, now(), query.offlineAfterMs).filter(
        (d) =>
          (query.site === undefined || d.gateway === query.site) &&
          (query.model === undefined || d.active?.name === query.model || d.assigned?.name === query.model) &&
          (query.state === undefined || d.state === query.state),
      );
      const p = paginate(list, (d) => d.id, query.limit, query.cursor);
      return { ...p, items: withHealth(p.items, healthReaderFor(ctx.fleet.db)) };
    },
  });
  ctx.route({
    method: 'get',
    path: '/api/v1/devices/:id',
    summary: 'one device',
    role: 'viewer',
    params: ById,
    query: OneQuery,
    responses: { 200: { description: 'the device', schema: Device }, ...notFound('no such device') },
    handler: ({ params, query }) => {
      const d = deviceEntries(ctx.fleet.store, now(), query.offlineAfterMs).find((x) => x.id === params.id);
      if (!d)
        throw fleetError(FleetErrorCodes.UNKNOWN_DEVICE, `the fleet knows no device ${params.id}`, { id: params.id });
      return withHealth([d], healthReaderFor(ctx.fleet.db))[0];
    },
  });
  ctx.route({
    method: 'get',
    path: '/api/v1/gateways',
    summary: 'gateways (sites): status, revisions, devices, assignments',
    role: 'viewer',
    query: GatewaysQuery,
    responses: { 200: { description: 'a page of gateways, by id', schema: page(Gateway) } },
    handler: ({ query }) => {
      const list = listGateways(ctx.fleet.store, now(), query.offlineAfterMs).filter(
        (g) => query.state === undefined || g.status === query.state || (query.state === 'offline' && !g.online),
      );
      return paginate(list, (g) => g.id, query.limit, query.cursor);
    },
  });
  ctx.route({
    method: 'get',
    path: '/api/v1/gateways/:id',
    summary: 'one gateway',
    role: 'viewer',
    params: ById,
    query: OneQuery,
    responses: { 200: { description: 'the gateway', schema: Gateway }, ...notFound('no such gateway') },
    handler: ({ params, query }) => {
      const g = listGateways(ctx.fleet.store, now(), query.offlineAfterMs).find((x) => x.id === params.id);
      if (!g)
        throw fleetError(FleetErrorCodes.UNKNOWN_GATEWAY, `the fleet knows no gateway ${params.id}`, { id: params.id });
      return g;
    },
  });
  ctx.route({
    method: 'get',
    path: '/api/v1/models',
    summary: 'registered model versions: lineage, metrics, where each is assigned and runs',
    role: 'viewer',
    query: ModelsQuery,
    responses: { 200: { description: 'a page of model versions, by name then version', schema: page(ModelVersion) } },
    handler: ({ query }) => {
      const list = listModels(ctx.fleet.store).filter(
        (m) =>
          (query.model === undefined || m.name === query.model) &&
          (query.state === undefined || (query.state === 'withdrawn') === (m.withdrawnAt !== null)),
      );
      return paginate(list, (m) => `${m.name}\u0000${String(m.version).padStart(10, '0')}`, query.limit, query.cursor);
    },
  });
  ctx.route({
    method: 'get',
    path: '/api/v1/models/:name',
    summary: 'every registered version of one model',
    role: 'viewer',
    params: ByName,
    responses: { 200: { description: 'the model', schema: ModelReply }, ...notFound('no registered version') },
    handler: ({ params }) => {
      const versions = listModels(ctx.fleet.store).filter((m) => m.name === params.name);
      if (versions.length === 0)
        throw fleetError(FleetErrorCodes.UNKNOWN_MODEL, `no registered version of model ${params.name}`, {
          model: params.name,
        });
      return { name: params.name, versions };
    },
  });
}
