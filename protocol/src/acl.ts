import { TOPIC_ROOT, TopicLeaf, alertTopics, parseTopic, type NodeKind, type TopicLeafName } from './topics.ts';

/**
 * Who may publish and subscribe what on an Outpost broker (docs/SECURITY.md "Broker access"). One
 * pure function, `allowed`, used by both embedded brokers and by the mosquitto ACL generator, so
 * the rules live in one place and follow the topic tree of topics.ts.
 *
 * Identities, by the broker they are on:
 * - `service`: the broker owner's own client: the fleet's on the fleet broker (`serves: 'gateways'`),
 *   a gateway's local client on its site broker (`serves: 'devices'`). The only client that
 *   publishes desired states, artifact chunks, receipts (`acks`) and commands to the nodes it serves.
 * - `gateway`: a gateway on the fleet broker. Its own gateway topics, and the upstream leaves of the
 *   devices it relays (only those `mayRelay` grants).
 * - `device`: a device on its gateway's site broker. Its own device topics only.
 */
export type BrokerIdentity =
  { role: 'service'; id: string; serves: NodeKind } | { role: 'gateway'; id: string } | { role: 'device'; id: string };

export type BrokerAction = 'publish' | 'subscribe';

/** Whether a gateway relays a device's messages (the fleet's policy, docs/SECURITY.md "Broker access"). */
export type MayRelay = (gatewayId: string, deviceId: string) => boolean;

export interface AclContext {
  /** Publish only: whether the message is retained. */
  retain?: boolean;
  /** For gateway identities on the fleet broker; absent, a gateway may relay no device. */
  mayRelay?: MayRelay;
}

/** What a node sends up to the tier that serves it. */
export const UPSTREAM_LEAVES: readonly TopicLeafName[] = [
  'reported',
  'artifactRequest',
  'telemetry',
  'labels',
  'review',
];
/** What a node receives from the tier that serves it. */
export const DOWNSTREAM_LEAVES: readonly TopicLeafName[] = ['desired', 'artifactChunk', 'acks', 'commands'];
/** The leaves whose messages are retained by protocol; every other retained message is refused. */
export const RETAINED_LEAVES: readonly TopicLeafName[] = ['desired', 'reported'];
/** A device's upstream leaves its gateway relays to the fleet (docs/ARCHITECTURE.md "Telemetry"). */
export const RELAYED_LEAVES: readonly TopicLeafName[] = ['telemetry', 'reported', 'labels', 'review'];

/** The leaves a node of `kind` publishes itself (a device's own, a gateway's own). */
function nodePublishes(kind: NodeKind): readonly TopicLeafName[] {
  // Devices send telemetry, labels and review items; a gateway sends its report, its artifact
  // requests and the telemetry of its devices in batches (on its own topic).
  return kind === 'devices' ? UPSTREAM_LEAVES : ['reported', 'artifactRequest', 'telemetry'];
}

/** The leaves a node of `kind` subscribes to on its own subtree. */
function nodeSubscribes(): readonly TopicLeafName[] {
  return DOWNSTREAM_LEAVES;
}

/**
 * True when `identity` may `action` on `topic` (a topic name to publish, or a filter to subscribe).
 * Filters with `+` or `#` are allowed only where every topic they can match is allowed, which for a
 * node means never (its topics are exact) and for the service means `outpost/v1/<kind>/+/<leaf>` of
 * an upstream leaf. `#`, `$SYS/…` and anything outside `outpost/v1/` are refused for everyone.
 * Retained publishes are allowed only on `desired` and `reported`.
 */
export function allowed(identity: BrokerIdentity, action: BrokerAction, topic: string, ctx: AclContext = {}): boolean {
  if (topic.startsWith('$') || !topic.startsWith(`${TOPIC_ROOT}/`)) return false;
  // Alerts: only the fleet's own service client publishes them (never retained) and reads them back.
  if (alertTopics.matches(topic))
    return (
      identity.role === 'service' &&
      identity.serves === 'gateways' &&
      (action === 'subscribe' || (!ctx.retain && !topic.includes('+')))
    );
  if (action === 'publish') return mayPublish(identity, topic, ctx);
  return maySubscribe(identity, topic);
}

function parse(topic: string): { kind: NodeKind; id: string; leaf: TopicLeafName } | undefined {
  try {
    return parseTopic(topic);
  } catch {
    return undefined;
  }
}

function mayPublish(identity: BrokerIdentity, topic: string, ctx: AclContext): boolean {
  if (topic.includes('+') || topic.includes('#')) return false;
  const t = parse(topic);
  if (!t) return false;
  if (ctx.retain === true && !RETAINED_LEAVES.includes(t.leaf)) return false;
  switch (identity.role) {
    case 'service':
      return t.kind === identity.serves && DOWNSTREAM_LEAVES.includes(t.leaf);
    case 'device':
      return t.kind === 'devices' && t.id === identity.id && nodePublishes('devices').includes(t.leaf);
    case 'gateway':
      if (t.kind === 'gateways') return t.id === identity.id && nodePublishes('gateways').includes(t.leaf);
      return RELAYED_LEAVES.includes(t.leaf) && (ctx.mayRelay?.(identity.id, t.id) ?? false);
  }
}

function maySubscribe(identity: BrokerIdentity, filter: string): boolean {
  if (filter.includes('#')) return false;
  const levels = filter.split('/');
  if (levels.some((l) => l.includes('+') && l !== '+')) return false;
  if (identity.role === 'service') {
    // Every served node's upstream leaf, one leaf per filter (`outpost/v1/<kind>/+/<leaf>`, or one
    // node's); on the fleet broker also the device leaves gateways relay.
    const [, , kind, id, ...leafParts] = levels;
    if (id === undefined) return false;
    const leafPath = leafParts.join('/');
    const leaf = (Object.entries(TopicLeaf) as [TopicLeafName, string][]).find(([, p]) => p === leafPath)?.[0];
    if (leaf === undefined) return false;
    const own = kind === identity.serves && nodePublishes(identity.serves).includes(leaf);
    const relayed = identity.serves === 'gateways' && kind === 'devices' && RELAYED_LEAVES.includes(leaf);
    if (!own && !relayed) return false;
    return id === '+' || parse(filter) !== undefined;
  }
  if (filter.includes('+')) return false;
  const t = parse(filter);
  if (!t) return false;
  const kind: NodeKind = identity.role === 'device' ? 'devices' : 'gateways';
  return t.kind === kind && t.id === identity.id && nodeSubscribes().includes(t.leaf);
}

/**
 * The MQTT client id a node must connect with: bound to its credentials, so nobody takes over
 * another client's session. A gateway's upstream client is `gw-<id>`, a device's `dev-<id>`, a
 * service's its own user name (operator commands on the same host, which hold the service
 * credential, connect as `<user name>-op-<anything>`: see `clientIdAllowed`).
 */
export function clientIdFor(identity: BrokerIdentity): string {
  switch (identity.role) {
    case 'service':
      return identity.id;
    case 'gateway':
      return `gw-${identity.id}`;
    case 'device':
      return `dev-${identity.id}`;
  }
}

/** The prefix of operator commands' client ids under the service credential (`outpost assign`). */
export const OPERATOR_CLIENT_SUFFIX = '-op-';

/** Whether `clientId` is one `identity` may connect with (docs/SECURITY.md "Broker access"). */
export function clientIdAllowed(identity: BrokerIdentity, clientId: string): boolean {
  const own = clientIdFor(identity);
  if (clientId === own) return true;
  const prefix = `${own}${OPERATOR_CLIENT_SUFFIX}`;
  return identity.role === 'service' && clientId.startsWith(prefix) && clientId.length > prefix.length;
}
