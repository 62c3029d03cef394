import {
  Receipt,
  decode,
  errorMessage,
  topics,
  type Logger,
  type ReceiptItem,
  type Transport,
} from '@outpost/protocol';

type Kind = ReceiptItem['kind'];
type ItemOf<K extends Kind> = Extract<ReceiptItem, { kind: K }>;

/**
 * The device's one subscriber to its `acks` topic (docs/ARCHITECTURE.md "Telemetry"): every
 * receipt the gateway sends is decoded once here and each item handed to the part of the device
 * that sent what it names — telemetry windows to the telemetry publisher, labels and review items
 * to their uploaders. Items about another device, or of a kind nobody registered, are ignored.
 */
export class ReceiptDispatcher {
  private readonly handlers = new Map<Kind, (item: ReceiptItem) => void>();
  private routed: Promise<void> | undefined;

  constructor(
    private readonly deviceId: string,
    private readonly transport: Transport,
    private readonly logger: Logger,
  ) {}

  /** Hands every receipt item of `kind` for this device to `handler` (one handler per kind). */
  on<K extends Kind>(kind: K, handler: (item: ItemOf<K>) => void): void {
    this.handlers.set(kind, handler as (item: ReceiptItem) => void);
  }

  /** Routes the acks topic (once, however often it is called); call before the transport starts. */
  start(): Promise<void> {
    this.routed ??= this.transport.route(topics.device(this.deviceId, 'acks'), (_topic, payload) =>
      this.receive(payload),
    );
    return this.routed;
  }

  private receive(payload: Buffer): void {
    let receipt: Receipt;
    try {
      receipt = decode(Receipt, payload, 'receipt');
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'invalid receipt ignored');
      return;
    }
    for (const item of receipt.items) {
      const device = 'device' in item ? item.device : undefined;
      if (device !== this.deviceId) continue;
      try {
        this.handlers.get(item.kind)?.(item);
      } catch (err) {
        this.logger.warn({ kind: item.kind, err: errorMessage(err) }, 'receipt item not handled');
      }
    }
  }
}
