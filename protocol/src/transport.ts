/**
 * The message transport every tier talks through (passed in, docs/ARCHITECTURE.md "Tiers and packages").
 * The MQTT implementation is `createMqttTransport` in `@outpost/protocol/node`; tests may pass
 * their own. Semantics follow MQTT 3.1.1: QoS 0/1, retained messages, `+`/`#` filters.
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
   */
  route(filter: string, handler: MessageHandler, qos?: 0 | 1): Promise<void>;
  /** Resolves once a QoS 1 message is acknowledged by the broker (or a QoS 0 one is written). */
  publish(topic: string, payload: Buffer | string, options?: PublishOptions): Promise<void>;
  /** Connects; resolves on the first connection. Later disconnects reconnect by themselves. */
  start(): Promise<void>;
  close(): Promise<void>;
  on(event: 'connect' | 'offline', listener: () => void): void;
}
