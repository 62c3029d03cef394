import { ErrorCodes, OutpostError, parseTopic, type ReceiptSubject } from '@outpost/protocol';
import type { OutboxEntry } from './store/gateway-store.ts';

/** The receipt key of a queued message, read back from its topic and payload. */
export function subjectOf(entry: OutboxEntry): ReceiptSubject {
  const { leaf } = parseTopic(entry.topic);
  const body = JSON.parse(entry.payload.toString('utf8')) as Record<string, unknown>;
  if (leaf === 'telemetry') return { kind: 'telemetry', device: String(body.device), seq: Number(body.seq) };
  if (leaf === 'labels') return { kind: 'label', device: String(body.device), predictionId: String(body.predictionId) };
  if (leaf === 'review')
    return { kind: 'review', device: String(body.device), predictionId: String(body.predictionId) };
  if (leaf === 'reported') return { kind: 'reported', source: String(body.source), at: String(body.at) };
  throw new OutpostError(ErrorCodes.TOPIC_INVALID, `no receipt is defined for ${entry.topic}`);
}
