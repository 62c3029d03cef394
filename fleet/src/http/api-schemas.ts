import { z } from 'zod';
import { Id, IsoTime } from '@outpost/protocol';

/**
 * The operator API's reply schemas (zod): the OpenAPI document is generated from them, and
 * fleet/test/http/openapi.test.ts holds real replies to them.
 */
export const ErrorReply = z.strictObject({
  error: z.strictObject({
    code: z.string().describe('a stable OUTPOST_ERR_… code (docs/errors.md)'),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** A page of a long list: `nextCursor` is null on the last page; pass it back as `cursor` for the next. */
export const page = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('opaque; null on the last page'),
  });

export const PageQuery = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .describe('at most this many items (1–1000, default 100)'),
  cursor: z.string().max(512).optional().describe('`nextCursor` of the previous page'),
};

const NodeStatus = z.enum(['idle', 'updating', 'converged', 'failed', 'offline']);
const ErrorInfo = z.strictObject({ code: z.string(), message: z.string() });

export const Health = z.strictObject({
  windows: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  latencyP50Ms: z.number().nullable(),
  latencyP95Ms: z.number().nullable(),
  errorRate: z.number().nullable(),
});

export const Device = z.strictObject({
  id: Id,
  gateway: Id.nullable(),
  state: z.enum(['converged', 'updating', 'failed', 'offline', 'unassigned']),
  online: z.boolean(),
  lastSeen: IsoTime.nullable(),
  active: z.strictObject({ name: Id, version: z.number().int(), artifactId: z.string() }).nullable(),
  assigned: z
    .strictObject({ name: Id, version: z.number().int(), rollback: z.boolean(), override: z.boolean() })
    .nullable(),
  reportedStatus: NodeStatus.nullable(),
  revision: z.number().int(),
  lastError: ErrorInfo.nullable(),
  health: Health,
});

export const Gateway = z.strictObject({
  id: Id,
  status: z.enum(['idle', 'updating', 'converged', 'failed', 'offline', 'unknown']),
  online: z.boolean(),
  lastSeen: IsoTime.nullable(),
  desiredRevision: z.number().int().nullable(),
  reportedRevision: z.number().int().nullable(),
  devices: z.array(Id),
  assignments: z.array(
    z.strictObject({
      name: Id,
      version: z.number().int(),
      devices: z.array(Id).optional(),
      rollback: z.boolean().optional(),
    }),
  ),
});

export const ModelVersion = z.strictObject({
  name: Id,
  version: z.number().int().positive(),
  parentVersion: z.number().int().nullable(),
  artifactId: z.string(),
  registeredAt: IsoTime,
  withdrawnAt: IsoTime.nullable(),
  metrics: z.record(z.string(), z.number()),
  assignedAt: z.array(Id).describe('gateways whose desired state assigns it'),
  runningOn: z.array(Id).describe('devices that report it active'),
});

export const ModelReply = z.strictObject({ name: Id, versions: z.array(ModelVersion) });

export const AuditEntry = z.strictObject({
  id: z.number().int(),
  at: IsoTime,
  actor: z.string().describe('the operator token name for API calls, the OS user for CLI calls'),
  action: z.string(),
  model: z.string().optional(),
  version: z.number().int().optional(),
  target: z.string(),
  reason: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const DeviceOutcome = z.strictObject({
  device: Id,
  gateway: Id,
  state: z.enum(['converged', 'updating', 'failed', 'offline']),
  expected: z.strictObject({ name: Id, version: z.number().int(), artifactId: z.string() }),
  running: z.strictObject({ name: Id, version: z.number().int() }).optional(),
  error: ErrorInfo.optional(),
  lastSeen: IsoTime.optional(),
});

export const IntentTarget = z.strictObject({
  gateway: Id,
  revision: z.number().int(),
  devices: z.array(Id).describe('known devices whose assignment this changed'),
});

export const IntentReply = z.strictObject({
  targets: z.array(IntentTarget),
  version: z.number().int().optional().describe('the version assigned or rolled back to'),
  outcome: z.array(DeviceOutcome).nullable().describe('per device, when the request asked to `wait`; null otherwise'),
});

export const MoveReply = z.strictObject({
  device: Id,
  /** The gateway that relayed it until now; null for a device never seen. */
  from: Id.nullable(),
  to: Id,
});

export const WithdrawReply = z.strictObject({
  runningOn: z.array(z.strictObject({ device: Id, gateway: Id.optional() })),
  assignedAt: z.array(Id),
});

const DriftStatus = z.enum(['ok', 'moderate', 'major', 'small-window']);

export const DriftReply = z.strictObject({
  model: Id,
  version: z.number().int(),
  device: Id.optional(),
  windows: z.number().int(),
  rows: z.number().int(),
  features: z.array(
    z.strictObject({
      feature: z.string(),
      psi: z.number().nullable(),
      js: z.number().nullable(),
      rows: z.number().int(),
      status: DriftStatus,
    }),
  ),
  prediction: z.strictObject({
    psi: z.number().nullable(),
    js: z.number().nullable(),
    rows: z.number().int(),
    status: DriftStatus,
  }),
  mismatched: z.number().int(),
  histograms: z
    .record(
      z.string(),
      z.strictObject({
        bins: z.array(z.string()).describe('bin labels: numeric ranges, or categories and "(unseen)"'),
        reference: z.array(z.number()).describe('reference frequencies (sum 1)'),
        current: z.array(z.number()).describe('observed frequencies in the range (sum 1, or all 0 without rows)'),
        rows: z.number().int(),
      }),
    )
    .describe('per feature and for "(prediction)": reference vs current histogram'),
});

export const HealthReply = z.strictObject({
  status: z.literal('ok'),
  versions: z.strictObject({ fleet: z.string(), api: z.string() }),
});

export const TokenInfo = z.strictObject({
  id: z.string(),
  name: z.string(),
  role: z.enum(['viewer', 'operator', 'admin']),
  createdAt: IsoTime,
  revokedAt: IsoTime.optional(),
});

export const CreatedTokenReply = z.strictObject({
  token: z.string().describe('the bearer token; shown once'),
  record: TokenInfo,
});
