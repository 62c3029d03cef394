import { ErrorCodes, OutpostError } from './errors.ts';
import { assertId } from './ids.ts';

/**
 * The MQTT topic tree (docs/ARCHITECTURE.md, "Topics"). Nothing else in the repository spells a
 * topic string: build with these functions, match with `parseTopic`.
 *
 *   outpost/v1/{gateways|devices}/{id}/{leaf}
 *
 * Gateway topics live on the fleet's broker; device topics live on the site gateway's broker and
 * are relayed upstream unchanged (telemetry, reported state, labels, review items).
 */
export const TOPIC_ROOT = 'outpost/v1';

export type NodeKind = 'gateways' | 'devices';

export const TopicLeaf = {
  /** Retained. What the node should run (fleet → gateway, gateway → device). */
  desired: 'desired',
  /** Retained. What the node runs now (gateway → fleet, device → gateway, relayed up). */
  reported: 'reported',
  /** Artifact chunk requests from the node to whoever serves its artifacts. */
  artifactRequest: 'artifacts/req',
  /** Artifact chunk responses to the node. */
  artifactChunk: 'artifacts/chunk',
  /**
   * Telemetry windows: a device's own, one per message; on a gateway's topic, the windows of its
   * devices it relays to the fleet, a batch per message (`TelemetryBatch`).
   */
  telemetry: 'telemetry',
  /** Ground-truth labels for a device's predictions. */
  labels: 'labels',
  /** Low-confidence predictions a device forwards for human review, with their inputs (relayed up). */
  review: 'review',
  /**
   * Application-level receipts from the next tier up (fleet → gateway, gateway → device): what it has
   * durably stored, so the sender may delete it from its outbox (docs/ARCHITECTURE.md "Telemetry").
   */
  acks: 'acks',
  /** Commands to the node. */
  commands: 'commands',
} as const;

export type TopicLeafName = keyof typeof TopicLeaf;

function build(kind: NodeKind, id: string, leaf: TopicLeafName): string {
  assertId(kind === 'gateways' ? 'gateway' : 'device', id);
  return `${TOPIC_ROOT}/${kind}/${id}/${TopicLeaf[leaf]}`;
}

export const topics = {
  gateway: (gatewayId: string, leaf: TopicLeafName): string => build('gateways', gatewayId, leaf),
  device: (deviceId: string, leaf: TopicLeafName): string => build('devices', deviceId, leaf),
  /** Subscription filter for one leaf of every node of a kind, e.g. every device's telemetry. */
  all: (kind: NodeKind, leaf: TopicLeafName): string => `${TOPIC_ROOT}/${kind}/+/${TopicLeaf[leaf]}`,
};

/**
 * Alerts the fleet publishes (never retained), one topic per model, outside the node tree:
 * `outpost/v1/alerts/{model}` (docs/MONITORING.md "Alerts"). Subscribe to every model's with
 * `alertTopics.all`.
 */
export const alertTopics = {
  model: (model: string): string => `${TOPIC_ROOT}/alerts/${assertId('model', model)}`,
  all: `${TOPIC_ROOT}/alerts/+`,
  /** Whether a topic or filter is in the alerts tree (one model id, or `+`). */
  matches: (topic: string): boolean => {
    const m = /^outpost\/v1\/alerts\/([^/]+)$/.exec(topic);
    if (!m) return false;
    try {
      return m[1] === '+' || assertId('model', m[1] as string) === m[1];
    } catch {
      return false;
    }
  },
};

export interface ParsedTopic {
  kind: NodeKind;
  id: string;
  leaf: TopicLeafName;
}

const leafByPath = new Map<string, TopicLeafName>(
  (Object.entries(TopicLeaf) as [TopicLeafName, string][]).map(([name, path]) => [path, name]),
);

/** Reads a topic built by `topics`; throws OUTPOST_ERR_TOPIC_INVALID for anything else. */
export function parseTopic(topic: string): ParsedTopic {
  const prefix = `${TOPIC_ROOT}/`;
  if (!topic.startsWith(prefix)) throw invalid(topic);
  const rest = topic.slice(prefix.length);
  const [kind, id, ...leafParts] = rest.split('/');
  if ((kind !== 'gateways' && kind !== 'devices') || id === undefined) throw invalid(topic);
  const leaf = leafByPath.get(leafParts.join('/'));
  if (leaf === undefined) throw invalid(topic);
  assertId(kind === 'gateways' ? 'gateway' : 'device', id);
  return { kind, id, leaf };
}

function invalid(topic: string): OutpostError {
  return new OutpostError(ErrorCodes.TOPIC_INVALID, `not an Outpost topic: ${topic}`, { details: { topic } });
}
