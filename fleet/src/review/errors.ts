import { OutpostError, defineErrors } from '@outpost/protocol';

/** Codes of the fleet's review queue (docs/MONITORING.md "Review queue"). */
export const ReviewErrorCodes = defineErrors('fleet', {
  REVIEW_ITEM_UNKNOWN: 'a review label names a (device, prediction id) the review queue does not hold',
  REVIEW_LABEL_CONFLICT:
    'the review item already has a different label; the first reviewer’s label stands (`details.label`)',
});

export type ReviewErrorCode = (typeof ReviewErrorCodes)[keyof typeof ReviewErrorCodes];

export function reviewError(code: ReviewErrorCode, message: string, details?: Record<string, unknown>): OutpostError {
  return new OutpostError(code, message, details ? { details } : {});
}
