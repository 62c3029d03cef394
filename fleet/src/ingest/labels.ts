import { LabelMessage, decode } from '@outpost/protocol';
import type { IngestHandler } from './handler.ts';
import { assertRelayedByOwner } from './sender-check.ts';
import { assertTopicMatches } from './topic-check.ts';

/**
 * Ground-truth labels for a device's predictions, relayed by its gateway on the `labels` leaf:
 * stored, and handed to monitoring, which joins each to the prediction the device logged
 * (docs/MONITORING.md "Labels").
 */
export const labelsHandler: IngestHandler = {
  kind: 'devices',
  leaf: 'labels',
  handle(id, payload, ctx) {
    const label = decode(LabelMessage, payload, 'label');
    assertTopicMatches('label', id, label.device);
    const gateway = assertRelayedByOwner('label', label.device, label.gateway, ctx);
    ctx.store.addLabel(label);
    ctx.labelSink?.(label);
    ctx.counters.labels++;
    return {
      gateway,
      item: { kind: 'label', device: label.device, predictionId: label.predictionId, outcome: 'stored' },
    };
  },
};
