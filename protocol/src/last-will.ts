import { encode } from './decode.ts';
import type { ReportedState } from './schemas/state.ts';
import { topics } from './topics.ts';

export interface LastWill {
  topic: string;
  payload: Buffer;
  qos: 1;
  retain: true;
}

/**
 * The MQTT last will of a gateway or device (docs/ARCHITECTURE.md "Deploy: desired → reported"):
 * a retained `offline` report on its own `reported` topic, which the broker publishes when the
 * node's connection dies without a goodbye, so the tier above learns of it at once.
 */
export function offlineWill(kind: 'gateway' | 'device', id: string, at: number): LastWill {
  const report: ReportedState = {
    source: id,
    kind,
    revision: -1,
    at: new Date(at).toISOString(),
    status: 'offline',
    models: [],
  };
  return {
    topic: kind === 'gateway' ? topics.gateway(id, 'reported') : topics.device(id, 'reported'),
    payload: encode(report),
    qos: 1,
    retain: true,
  };
}
