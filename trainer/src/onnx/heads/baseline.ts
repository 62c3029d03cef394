/**
 * Baseline heads: a constant per row (mean / median regression, class priors for classification),
 * repeated to the batch size with Shape + Expand so the graph still has one row per input row.
 */
import { constantRows, headError, numbers, type HeadContext } from './common.ts';

export function constantHead(h: HeadContext, design: string, json: unknown): string {
  if (h.task !== 'regression') throw headError('a constant baseline is a regression model');
  return constantRows(h, design, numbers([(json as { value?: unknown }).value], 'baseline value', 1));
}

export function priorsHead(h: HeadContext, design: string, json: unknown): string {
  if (h.task === 'regression') throw headError('class priors are a classification model');
  const priors = numbers((json as { priors?: unknown }).priors, 'class priors', h.classes);
  return constantRows(h, design, priors);
}
