import { type Clock, type MessageHandler, type Transport } from '@outpost/protocol';

/**
 * An in-process broker for fake-clock tests of the chunk transfer: every publish reaches every
 * matching route; a chunk request reaches the server `requestDelayMs` of fake time
 * later (a slow gateway), or never when `dropRequests` is set. Records when each request was sent.
 */
/** MQTT filter matching: `+` one level, `#` the rest. */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

export interface MemoryBus {
  transport: Transport;
  requestTimes: number[];
  requestDelayMs: number;
  dropRequests: boolean;
}

export function memoryBus(clock: Clock): MemoryBus {
  const routes: { filter: string; handler: MessageHandler }[] = [];
  const deliver = (topic: string, payload: Buffer): void => {
    for (const r of routes) if (matches(r.filter, topic)) void r.handler(topic, payload);
  };
  const bus: MemoryBus = {
    requestTimes: [],
    requestDelayMs: 0,
    dropRequests: false,
    transport: {
      clientId: 'memory',
      connected: true,
      route: async (filter, handler) => {
        routes.push({ filter, handler });
      },
      publish: async (topic, payload) => {
        const bytes = Buffer.from(payload);
        if (!topic.endsWith('/artifacts/req')) return deliver(topic, bytes);
        bus.requestTimes.push(clock.now());
        if (bus.dropRequests) return;
        if (bus.requestDelayMs === 0) deliver(topic, bytes);
        else clock.setTimeout(() => deliver(topic, bytes), bus.requestDelayMs);
      },
      start: async () => {},
      close: async () => {},
      on: () => {},
    },
  };
  return bus;
}

/** Advances the fake clock in steps, letting promises settle between them, until `done()` or `maxMs`. */
export async function runClock(
  clock: { advance(ms: number): void },
  done: () => boolean,
  maxMs: number,
  stepMs = 100,
): Promise<void> {
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  await settle();
  for (let t = 0; t < maxMs && !done(); t += stepMs) {
    clock.advance(stepMs);
    await settle();
  }
}
