/**
 * What monitoring keeps beside the fleet store (docs/MONITORING.md "Storage"): labels joined to
 * the predictions they judge, and alerts. Implementations: `openSqliteMonitorStore` (its own tables
 * in fleet.db) and `createMemoryMonitorStore`; both pass fleet/test/monitor/monitor-store-contract.ts.
 */
import type { AlertMetric, AlertScope } from './settings.ts';

/** What a device logged about a prediction (carried by its label message, or a CSV's extra columns). */
export interface PredictionFacts {
  value: number;
  model: string;
  version: number;
  /** When it was predicted (ISO). */
  at: string;
  confidence?: number | null;
}

/** A label and, once known, the prediction it judges. Keyed by prediction id. */
export interface JoinedLabel {
  predictionId: string;
  device?: string;
  label?: number | string;
  /** When the label was given (ISO). */
  labelledAt?: string;
  /** Where the label came from last: the device (its `/label`), an imported CSV, or the fleet's review queue. */
  source: 'device' | 'import' | 'review';
  prediction?: PredictionFacts;
}

export interface LabelInput {
  predictionId: string;
  source: 'device' | 'import' | 'review';
  device?: string;
  label?: number | string;
  labelledAt?: string;
  prediction?: PredictionFacts;
}

export interface LabelQuery {
  model: string;
  version?: number;
  device?: string;
  /** Predicted at or after (ISO). */
  since?: string;
  /** Predicted before (ISO). */
  until?: string;
}

export type AlertState = 'pending' | 'firing' | 'acknowledged' | 'resolved';

export interface Alert {
  /** Stable id of this occurrence (a condition that resolves and comes back is a new alert). */
  id: string;
  /** What it is about: rule metric, model, version and scope subject; one unresolved alert per key. */
  key: string;
  metric: AlertMetric;
  scope: AlertScope;
  model: string;
  version: number;
  /** The device or site with scope device / site. */
  subject?: string;
  severity: 'warning' | 'critical';
  state: AlertState;
  /** One line for people: what crossed what. */
  summary: string;
  /** The value that crossed the threshold (PSI, error rate, metric), when there is one. */
  value: number | null;
  threshold: number | null;
  /** When the condition was first seen holding (ISO); it fires once it held `forMs`. */
  since: string;
  firedAt?: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
  updatedAt: string;
}

export interface AlertQuery {
  state?: AlertState | AlertState[];
  model?: string;
}

export interface MonitorStore {
  /**
   * Merges a label into the row of its prediction id: given fields replace stored ones (the latest
   * label wins), absent ones are kept. Returns the row after the merge.
   */
  putLabel(input: LabelInput): JoinedLabel;
  getLabel(predictionId: string): JoinedLabel | undefined;
  /** Labels joined to their prediction (both known) of a model, by prediction time. */
  joinedLabels(query: LabelQuery): JoinedLabel[];
  /** Labels still waiting for their prediction (imported before the device forwarded it). */
  countUnjoined(): number;

  /** Inserts or replaces an alert by id. */
  putAlert(alert: Alert): void;
  getAlert(id: string): Alert | undefined;
  /** The unresolved (pending, firing or acknowledged) alert of a key, if any. */
  openAlert(key: string): Alert | undefined;
  /** Alerts, newest `since` first. */
  alerts(query?: AlertQuery): Alert[];

  close(): void;
}

/** Merging as `putLabel` describes, shared by the implementations. */
export function mergeLabel(before: JoinedLabel | undefined, input: LabelInput): JoinedLabel {
  const device = input.device ?? before?.device;
  const label = input.label ?? before?.label;
  const labelledAt = input.label !== undefined ? input.labelledAt : before?.labelledAt;
  const prediction = input.prediction ?? before?.prediction;
  return {
    predictionId: input.predictionId,
    source: input.label !== undefined ? input.source : (before?.source ?? input.source),
    ...(device !== undefined ? { device } : {}),
    ...(label !== undefined ? { label } : {}),
    ...(labelledAt !== undefined ? { labelledAt } : {}),
    ...(prediction !== undefined ? { prediction } : {}),
  };
}

export function matchesLabel(l: JoinedLabel, q: LabelQuery): boolean {
  const p = l.prediction;
  if (!p || l.label === undefined || p.model !== q.model) return false;
  if (q.version !== undefined && p.version !== q.version) return false;
  if (q.device !== undefined && l.device !== q.device) return false;
  if (q.since !== undefined && p.at < q.since) return false;
  if (q.until !== undefined && p.at >= q.until) return false;
  return true;
}

export function matchesAlert(a: Alert, q: AlertQuery = {}): boolean {
  if (q.model !== undefined && a.model !== q.model) return false;
  if (q.state !== undefined) {
    const states = Array.isArray(q.state) ? q.state : [q.state];
    if (!states.includes(a.state)) return false;
  }
  return true;
}
