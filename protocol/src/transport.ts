/**
 * The message transport every tier talks through (passed in, docs/ARCHITECTURE.md "Tiers and packages").
 * Two implementations: `createMqttTransport` in `@outpost/protocol/node` (an MQTT client on a broker
 * by URL) and `createBrokerTransport` in `@outpost/protocol/broker` (a service inside its own
 * embedded broker). Semantics follow MQTT 3.1.1: QoS 0/1, retained messages, `+`/`#` filters (a
 * filter starting with a wildcard does not match `$…` topics). Both pass one contract suite,
 * protocol/test/transport-contract.ts.
 */
export interface PublishOptions {
  qos?: 0 | 1;
  retain?: boolean;
}

export type MessageHandler = (topic: string, payload: Buffer) => void | Promise<void>;

export interface Transport {
  readonly clientId: string;
  /** True while connected to the broker. */
  readonly connected: boolean;
  /**
   * Registers a handler for a filter; subscribed on every (re)connect so a restarted broker or a
   * lost session still delivers. Register before `start()` to receive retained and queued messages.
   * Every route matching a topic runs, once per message; a route registered later gets the retained
   * messages present then, which the earlier routes are not handed again. A handler that throws or
   * rejects is logged and stops nothing.
   */
  route(filter: string, handler: MessageHandler, qos?: 0 | 1): Promise<void>;
  /**
   * Resolves once a QoS 1 message is acknowledged by the broker (or a QoS 0 one is written).
   * Rejects before `start()` and after `close()`.
   */
  publish(topic: string, payload: Buffer | string, options?: PublishOptions): Promise<void>;
  /**
   * Connects; resolves on the first connection. Later disconnects reconnect by themselves. A second
   * call waits for the same connection.
   */
  start(): Promise<void>;
  /** Once it resolves, no handler is called for any later message. */
  close(): Promise<void>;
  /** 'connect' on every (re)connection; 'offline' whenever `connected` turns false, `close()` included. */
  on(event: 'connect' | 'offline', listener: () => void): void;
}
