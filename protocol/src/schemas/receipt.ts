import { z } from 'zod';
import { Count, Id, IsoTime } from './common.ts';

/**
 * Application-level receipts (docs/ARCHITECTURE.md "Telemetry"): the next tier up says what it has
 * durably stored, so the sender may delete it from its outbox. A broker's PUBACK only says the
 * broker has the message, never that the tier behind it wrote it, so no outbox entry is deleted on
 * a PUBACK. Sent on the `acks` leaf: fleet → gateway (`outpost/v1/gateways/<gw>/acks`, for
 * telemetry, labels and device reports the gateway relayed) and gateway → device
 * (`outpost/v1/devices/<dev>/acks`, for telemetry windows, labels and review items).
 *
 * Each item names one message by its idempotency key: a window by (device, seq), a label or a
 * review item by (device, predictionId), a reported state by (source, at). `outcome` is `stored` when this
 * delivery was written, `duplicate` when the receiver already held it (or already passed it on):
 * either way the sender may forget it. A message the receiver could not store is not receipted:
 * the sender keeps it and sends it again.
 */
export const MAX_RECEIPT_ITEMS = 500;

export const ReceiptOutcome = z.enum(['stored', 'duplicate']);
export type ReceiptOutcome = z.infer<typeof ReceiptOutcome>;

export const TelemetryReceipt = z.strictObject({
  kind: z.literal('telemetry'),
  device: Id,
  seq: Count,
  outcome: ReceiptOutcome,
});
export const LabelReceipt = z.strictObject({
  kind: z.literal('label'),
  device: Id,
  predictionId: z.string().min(1).max(128),
  outcome: ReceiptOutcome,
});
export const ReviewReceipt = z.strictObject({
  kind: z.literal('review'),
  device: Id,
  predictionId: z.string().min(1).max(128),
  outcome: ReceiptOutcome,
});
export const ReportedReceipt = z.strictObject({
  kind: z.literal('reported'),
  source: Id,
  at: IsoTime,
  outcome: ReceiptOutcome,
});
export const ReceiptItem = z.discriminatedUnion('kind', [
  TelemetryReceipt,
  LabelReceipt,
  ReviewReceipt,
  ReportedReceipt,
]);
export type ReceiptItem = z.infer<typeof ReceiptItem>;

/** A batch of receipts from one receiver (`from`: `fleet` or the gateway's id). */
export const Receipt = z.strictObject({
  from: Id,
  at: IsoTime,
  items: z.array(ReceiptItem).min(1).max(MAX_RECEIPT_ITEMS),
});
export type Receipt = z.infer<typeof Receipt>;

/** What a receipt item names, without its outcome: the key an outbox entry is matched by. */
export type ReceiptSubject =
  | { kind: 'telemetry'; device: string; seq: number }
  | { kind: 'label'; device: string; predictionId: string }
  | { kind: 'review'; device: string; predictionId: string }
  | { kind: 'reported'; source: string; at: string };

/** One string per idempotency key, equal for an item and the outbox entry it receipts. */
export function receiptKey(s: ReceiptSubject): string {
  switch (s.kind) {
    case 'telemetry':
      return JSON.stringify(['telemetry', s.device, s.seq]);
    case 'label':
      return JSON.stringify(['label', s.device, s.predictionId]);
    case 'review':
      return JSON.stringify(['review', s.device, s.predictionId]);
    case 'reported':
      return JSON.stringify(['reported', s.source, s.at]);
  }
}
