import { ReportedState, decode, type NodeKind, ErrorCodes } from '@outpost/protocol';
import { fleetError } from '../errors.ts';
import type { IngestHandler } from './handler.ts';
import { assertRelayedByOwner } from './sender-check.ts';
import { assertTopicMatches } from './topic-check.ts';

/**
 * Reported state of gateways and (relayed) devices; the last report of each source is kept. A
 * device's report comes through its gateway's outbox and is receipted to it; a gateway publishes
 * its own report directly (retained), with nothing to receipt.
 */
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
      if (kind === 'gateways') {
        ctx.store.putReported(state, new Date(ctx.clock.now()).toISOString());
        ctx.counters.reported++;
        return undefined;
      }
      const gateway = assertRelayedByOwner('reported state', state.source, state.gateway, ctx);
      ctx.store.putReported(state, new Date(ctx.clock.now()).toISOString());
      ctx.counters.reported++;
      return { gateway, item: { kind: 'reported', source: state.source, at: state.at, outcome: 'stored' } };
    },
  };
}

export const gatewayReportedHandler = reportedHandler('gateways');
export const deviceReportedHandler = reportedHandler('devices');
