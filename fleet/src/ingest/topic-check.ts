import { ErrorCodes } from '@outpost/protocol';
import { fleetError } from '../errors.ts';

/** The topic's id must be the id the payload speaks for, so one node cannot write as another. */
export function assertTopicMatches(what: string, topicId: string, payloadId: string): void {
  if (topicId !== payloadId) {
    throw fleetError(
      ErrorCodes.TOPIC_MISMATCH,
      `${what} for ${JSON.stringify(payloadId)} arrived on the topic of ${JSON.stringify(topicId)}`,
      {
        topicId,
        payloadId,
      },
    );
  }
}
