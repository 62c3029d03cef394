import type { Clock } from '@outpost/protocol';

/**
 * The fleet's event hub (docs/ARCHITECTURE.md "Operator API"): reported-state changes, presence,
 * audit entries, and whatever other parts publish (campaign progress, alerts) through
 * `Fleet.publish`. Subscribers (the API's server-sent events) receive every event after they
 * subscribe; the hub keeps no history.
 */
export interface FleetEventInput {
  /** What happened, dotted lower case: `reported`, `presence`, `audit`, `campaign.wave`, … */
  type: string;
  data: Record<string, unknown>;
}

export interface FleetEvent extends FleetEventInput {
  /** Increasing within one fleet process. */
  id: number;
  at: string;
}

export type FleetEventListener = (event: FleetEvent) => void;

export interface EventHub {
  publish(event: FleetEventInput): FleetEvent;
  /** Returns the unsubscribe function. */
  subscribe(listener: FleetEventListener): () => void;
  subscribers(): number;
}

export function createEventHub(clock: Pick<Clock, 'now'>, onListenerError?: (err: unknown) => void): EventHub {
  const listeners = new Set<FleetEventListener>();
  let next = 1;
  return {
    publish(input) {
      const event: FleetEvent = {
        id: next++,
        at: new Date(clock.now()).toISOString(),
        type: input.type,
        data: input.data,
      };
      for (const l of [...listeners]) {
        try {
          l(event);
        } catch (err) {
          onListenerError?.(err);
        }
      }
      return event;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscribers: () => listeners.size,
  };
}
