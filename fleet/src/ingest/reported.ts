import { ReportedState, decode, type NodeKind, ErrorCodes } from '@outpost/protocol';
import { fleetError } from '../errors.ts';
import type { IngestHandler } from './handler.ts';
import { assertTopicMatches } from './topic-check.ts';

/** Reported state of gateways and (relayed) devices; the last report of each source is kept. */
function reportedHandler(kind: NodeKind): IngestHandler {
  const expectedKind = kind === 'gateways' ? 'gateway' : 'device';
  return {
    kind,
    leaf: 'reported',
    handle(id, payload, ctx) {
      const state = decode(ReportedState, payload, `${expectedKind} reported state`);
      assertTopicMatches('reported state', id, state.source);
      if (state.kind !== expectedKind) {
        throw fleetError(ErrorCodes.TOPIC_MISMATCH, `a ${state.kind} report arrived on a ${expectedKind} topic`, {
          topicId: id,
          kind: state.kind,
        });
      }
      ctx.store.putReported(state, new Date(ctx.clock.now()).toISOString());
      ctx.counters.reported++;
    },
  };
}

export const gatewayReportedHandler = reportedHandler('gateways');
export const deviceReportedHandler = reportedHandler('devices');
