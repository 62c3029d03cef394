import { describe, expect, it } from 'vitest';
import { alertTopics, allowed, clientIdAllowed, topics, type BrokerIdentity } from '../../src/index.ts';

/** The broker ACL as a pure function (docs/SECURITY.md "Broker access"). */
const dev: BrokerIdentity = { role: 'device', id: 'dev1' };
const gw: BrokerIdentity = { role: 'gateway', id: 'gw1' };
const fleet: BrokerIdentity = { role: 'service', id: 'outpost-fleet', serves: 'gateways' };
const site: BrokerIdentity = { role: 'service', id: 'gw-gw1-local', serves: 'devices' };
const relays = { mayRelay: (g: string, d: string) => g === 'gw1' && d === 'dev1' };

describe('allowed', () => {
  it('alerts: only the fleet publishes them, never retained, and only it reads them back', () => {
    expect(alertTopics.model('occupancy')).toBe('outpost/v1/alerts/occupancy');
    expect(allowed(fleet, 'publish', alertTopics.model('occupancy'))).toBe(true);
    expect(allowed(fleet, 'publish', alertTopics.model('occupancy'), { retain: true })).toBe(false);
    expect(allowed(fleet, 'subscribe', alertTopics.all)).toBe(true);
    expect(allowed(site, 'publish', alertTopics.model('occupancy'))).toBe(false);
    expect(allowed(gw, 'publish', alertTopics.model('occupancy'), relays)).toBe(false);
    expect(allowed(gw, 'subscribe', alertTopics.all)).toBe(false);
    expect(allowed(dev, 'subscribe', alertTopics.model('occupancy'))).toBe(false);
    expect(allowed(fleet, 'publish', 'outpost/v1/alerts/a/b')).toBe(false);
    expect(allowed(fleet, 'publish', alertTopics.all)).toBe(false);
  });

  it('receipts (acks): only the serving client publishes them, the node subscribes to its own', () => {
    expect(allowed(fleet, 'publish', topics.gateway('gw1', 'acks'))).toBe(true);
    expect(allowed(site, 'publish', topics.device('dev1', 'acks'))).toBe(true);
    expect(allowed(gw, 'subscribe', topics.gateway('gw1', 'acks'))).toBe(true);
    expect(allowed(dev, 'subscribe', topics.device('dev1', 'acks'))).toBe(true);
    expect(allowed(gw, 'publish', topics.gateway('gw1', 'acks'))).toBe(false);
    expect(allowed(dev, 'publish', topics.device('dev1', 'acks'))).toBe(false);
    expect(allowed(fleet, 'publish', topics.device('dev1', 'acks'))).toBe(false);
    expect(allowed(dev, 'subscribe', topics.device('dev2', 'acks'))).toBe(false);
  });

  it('desired state and chunks: only the serving client publishes them', () => {
    for (const leaf of ['desired', 'artifactChunk'] as const) {
      expect(allowed(fleet, 'publish', topics.gateway('gw1', leaf), { retain: leaf === 'desired' })).toBe(true);
      expect(allowed(site, 'publish', topics.device('dev1', leaf), { retain: leaf === 'desired' })).toBe(true);
      expect(allowed(gw, 'publish', topics.gateway('gw1', leaf))).toBe(false);
      expect(allowed(dev, 'publish', topics.device('dev1', leaf))).toBe(false);
      expect(allowed(gw, 'publish', topics.device('dev1', leaf), relays)).toBe(false);
    }
  });

  it('a device publishes only its own upstream leaves', () => {
    for (const leaf of ['telemetry', 'labels', 'reported', 'artifactRequest'] as const) {
      expect(allowed(dev, 'publish', topics.device('dev1', leaf), { retain: leaf === 'reported' })).toBe(true);
      expect(allowed(dev, 'publish', topics.device('dev2', leaf))).toBe(false);
    }
    expect(allowed(dev, 'publish', topics.gateway('gw1', 'reported'))).toBe(false);
  });

  it('a gateway relays only the devices mayRelay grants, and only their relayed leaves', () => {
    expect(allowed(gw, 'publish', topics.device('dev1', 'telemetry'), relays)).toBe(true);
    expect(allowed(gw, 'publish', topics.device('dev1', 'reported'), { ...relays, retain: true })).toBe(true);
    expect(allowed(gw, 'publish', topics.device('dev2', 'telemetry'), relays)).toBe(false);
    expect(allowed(gw, 'publish', topics.device('dev1', 'telemetry'))).toBe(false); // no policy: no relaying
    expect(allowed(gw, 'publish', topics.device('dev1', 'artifactRequest'), relays)).toBe(false);
    expect(allowed(gw, 'publish', topics.gateway('gw2', 'reported'), { retain: true })).toBe(false);
  });

  it("a gateway relays batches of its devices' windows on its own telemetry topic only, which the fleet reads", () => {
    expect(allowed(gw, 'publish', topics.gateway('gw1', 'telemetry'), relays)).toBe(true);
    expect(allowed(gw, 'publish', topics.gateway('gw2', 'telemetry'), relays)).toBe(false);
    expect(allowed(gw, 'publish', topics.gateway('gw1', 'telemetry'), { ...relays, retain: true })).toBe(false);
    expect(allowed(fleet, 'subscribe', topics.all('gateways', 'telemetry'))).toBe(true);
    expect(allowed(gw, 'subscribe', topics.gateway('gw1', 'telemetry'))).toBe(false);
    expect(allowed(fleet, 'publish', topics.gateway('gw1', 'telemetry'))).toBe(false);
  });

  it('wildcards: #, $SYS and other subtrees refused; the service subscribes per leaf with +', () => {
    for (const who of [dev, gw, fleet, site]) {
      for (const f of ['#', '$SYS/#', 'outpost/#', 'outpost/v1/+/+/telemetry', 'other/topic'])
        expect(allowed(who, 'subscribe', f), `${who.id} ${f}`).toBe(false);
    }
    expect(allowed(fleet, 'subscribe', topics.all('devices', 'telemetry'))).toBe(true);
    expect(allowed(fleet, 'subscribe', topics.all('gateways', 'artifactRequest'))).toBe(true);
    expect(allowed(fleet, 'subscribe', topics.all('gateways', 'desired'))).toBe(false);
    expect(allowed(site, 'subscribe', topics.all('devices', 'artifactRequest'))).toBe(true);
    expect(allowed(site, 'subscribe', topics.all('gateways', 'reported'))).toBe(false);
    expect(allowed(dev, 'subscribe', topics.all('devices', 'desired'))).toBe(false);
    expect(allowed(gw, 'subscribe', 'outpost/v1/gateways/gw1/+')).toBe(false);
  });

  it('retained only on desired and reported', () => {
    expect(allowed(dev, 'publish', topics.device('dev1', 'telemetry'), { retain: true })).toBe(false);
    expect(allowed(site, 'publish', topics.device('dev1', 'artifactChunk'), { retain: true })).toBe(false);
    expect(allowed(dev, 'publish', topics.device('dev1', 'reported'), { retain: true })).toBe(true);
  });
});

describe('clientIdAllowed', () => {
  it('binds client ids to credentials; operator commands use the service prefix form', () => {
    expect(clientIdAllowed(dev, 'dev-dev1')).toBe(true);
    expect(clientIdAllowed(dev, 'dev-dev2')).toBe(false);
    expect(clientIdAllowed(gw, 'gw-gw1')).toBe(true);
    expect(clientIdAllowed(gw, 'gw-gw1-op-1')).toBe(false);
    expect(clientIdAllowed(fleet, 'outpost-fleet')).toBe(true);
    expect(clientIdAllowed(fleet, 'outpost-fleet-op-123')).toBe(true);
    expect(clientIdAllowed(fleet, 'outpost-fleet-op-')).toBe(false);
  });
});
