/**
 * Monitoring settings (docs/MONITORING.md "Settings"): thresholds for drift and data quality, and
 * the alert rules and webhook — defaults for every model, overridable per model. The CLI and the
 * fleet read them from `<data-dir>/monitor.json` when it exists; everything is optional.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DRIFT_THRESHOLDS, type DriftThresholds } from '../drift/drift-report.ts';
import { MonitorErrorCodes, monitorError } from './errors.ts';

export const MONITOR_SETTINGS_FILE = 'monitor.json';

export interface QualityThresholds {
  /** A device's window needs this many rows before quality is judged (fewer: "insufficient"). */
  minRows: number;
  /** A missing or out-of-range rate this far (absolute) above the device's own history is a spike. */
  spikeDelta: number;
  /** Windows of the device's own history the spike baseline averages (earlier ones are ignored). */
  historyWindows: number;
  /** A share of unseen categories at or above this is reported. */
  unseenRate: number;
  /** PSI of a device's inputs against the pooled inputs of its site's other devices that marks it an outlier. */
  sitePsi: number;
}

/**
 * minRows 30: a stuck sensor is obvious in a few dozen rows (every value in one bin). spikeDelta
 * 0.2: a fifth of the rows newly missing is a broken sensor or feed, not noise. unseenRate 0.01, as
 * one unexpected category in a hundred already means an upstream change. sitePsi 0.25, PSI's "major".
 */
export const DEFAULT_QUALITY_THRESHOLDS: QualityThresholds = {
  minRows: 30,
  spikeDelta: 0.2,
  historyWindows: 24,
  unseenRate: 0.01,
  sitePsi: 0.25,
};

export type AlertMetric = 'drift.psi' | 'drift.prediction' | 'quality' | 'performance';
export const ALERT_METRICS: readonly AlertMetric[] = ['drift.psi', 'drift.prediction', 'quality', 'performance'];
export type AlertScope = 'model' | 'device' | 'site';

export interface AlertRule {
  /** drift.psi (any feature's PSI), drift.prediction, quality (any finding), performance (metric outside its band). */
  metric: AlertMetric;
  /** What one alert is about: the whole model version, or each device (or site) separately. */
  scope: AlertScope;
  /** Drift rules: the value at or above which the condition holds (default: the model's major PSI threshold). */
  threshold?: number;
  /** How long (ms) the condition must hold before the alert fires; 0 fires at once. */
  forMs: number;
  severity: 'warning' | 'critical';
}

export interface WebhookSettings {
  url: string;
  /** Attempts per alert change, first included (default 5). */
  attempts?: number;
  /** Wait before the second attempt, doubled after each failure (default 500 ms). */
  backoffMs?: number;
  /** Per attempt (default 5000 ms). */
  timeoutMs?: number;
}

interface ModelSettings {
  drift?: Partial<DriftThresholds>;
  quality?: Partial<QualityThresholds>;
  rules?: AlertRule[];
}

export interface MonitorSettings extends ModelSettings {
  /** Per model name: replaces the defaults field by field (rules: the whole list). */
  models?: Record<string, ModelSettings>;
  /** Alerts are POSTed here as JSON when they fire, are acknowledged and resolve. */
  webhook?: WebhookSettings;
}

/**
 * Default rules for every model: major input drift held for 2 hours (a transient burst does not
 * page anyone), prediction drift the same, a data-quality finding at once (a stuck sensor is named
 * as soon as it is seen), performance outside the model's test band at once.
 */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = [
  { metric: 'drift.psi', scope: 'model', forMs: 2 * 3_600_000, severity: 'warning' },
  { metric: 'drift.prediction', scope: 'model', forMs: 2 * 3_600_000, severity: 'warning' },
  { metric: 'quality', scope: 'device', forMs: 0, severity: 'warning' },
  { metric: 'performance', scope: 'model', forMs: 0, severity: 'critical' },
];

type Problem = (path: string, message: string) => never;

function numbers(value: unknown, path: string, fields: Record<string, 'number' | 'int'>, fail: Problem): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object');
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const kind = fields[key];
    if (kind === undefined) fail(`${path}.${key}`, 'is not a known setting');
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (kind === 'int' && !Number.isInteger(v)))
      fail(`${path}.${key}`, `must be a non-negative ${kind === 'int' ? 'integer' : 'number'}`);
  }
}

const DRIFT_FIELDS = { moderate: 'number', major: 'number', minRows: 'int', epsilon: 'number' } as const;
const QUALITY_FIELDS = {
  minRows: 'int',
  spikeDelta: 'number',
  historyWindows: 'int',
  unseenRate: 'number',
  sitePsi: 'number',
} as const;

function rules(value: unknown, path: string, fail: Problem): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) fail(path, 'must be a list of rules');
  for (const [i, r] of (value as unknown[]).entries()) {
    const at = `${path}[${i}]`;
    if (typeof r !== 'object' || r === null) fail(at, 'must be an object');
    const rule = r as Record<string, unknown>;
    if (!ALERT_METRICS.includes(rule.metric as AlertMetric))
      fail(`${at}.metric`, `must be one of ${ALERT_METRICS.join(', ')}`);
    if (!['model', 'device', 'site'].includes(rule.scope as string))
      fail(`${at}.scope`, 'must be model, device or site');
    if (!['warning', 'critical'].includes(rule.severity as string))
      fail(`${at}.severity`, 'must be warning or critical');
    numbers(
      { forMs: rule.forMs, ...(rule.threshold !== undefined ? { threshold: rule.threshold } : {}) },
      at,
      { forMs: 'int', threshold: 'number' },
      fail,
    );
    for (const key of Object.keys(rule))
      if (!['metric', 'scope', 'severity', 'forMs', 'threshold'].includes(key))
        fail(`${at}.${key}`, 'is not a rule field');
  }
}

function modelSettings(value: Record<string, unknown>, path: string, fail: Problem, extra: readonly string[]): void {
  numbers(value.drift, `${path}drift`, DRIFT_FIELDS, fail);
  numbers(value.quality, `${path}quality`, QUALITY_FIELDS, fail);
  rules(value.rules, `${path}rules`, fail);
  for (const key of Object.keys(value))
    if (!['drift', 'quality', 'rules', ...extra].includes(key)) fail(`${path}${key}`, 'is not a known setting');
}

/** Checks a parsed monitor.json; throws MONITOR_SETTINGS_INVALID naming the first wrong field. */
export function parseMonitorSettings(value: unknown): MonitorSettings {
  const fail: Problem = (path, message) => {
    throw monitorError(MonitorErrorCodes.MONITOR_SETTINGS_INVALID, `monitoring settings: ${path} ${message}`, {
      path,
    });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('(root)', 'must be an object');
  const v = value as Record<string, unknown>;
  modelSettings(v, '', fail, ['models', 'webhook']);
  if (v.models !== undefined) {
    if (typeof v.models !== 'object' || v.models === null) fail('models', 'must be an object');
    for (const [name, m] of Object.entries(v.models as Record<string, unknown>)) {
      if (typeof m !== 'object' || m === null) fail(`models.${name}`, 'must be an object');
      modelSettings(m as Record<string, unknown>, `models.${name}.`, fail, []);
    }
  }
  if (v.webhook !== undefined) {
    const w = v.webhook as Record<string, unknown>;
    if (typeof w !== 'object' || w === null || typeof w.url !== 'string' || !/^https?:\/\//.test(w.url))
      fail('webhook.url', 'must be an http(s) URL');
    const { url: _url, ...rest } = w;
    numbers(rest, 'webhook', { attempts: 'int', backoffMs: 'int', timeoutMs: 'int' }, fail);
  }
  return value as MonitorSettings;
}

/** `<dataDir>/monitor.json`, or no settings when absent. */
export function loadMonitorSettings(dataDir: string): MonitorSettings {
  const file = join(dataDir, MONITOR_SETTINGS_FILE);
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw monitorError(MonitorErrorCodes.MONITOR_SETTINGS_INVALID, `${file} is not JSON: ${String(err)}`, { file });
  }
  return parseMonitorSettings(raw);
}

export function driftThresholdsFor(settings: MonitorSettings, model: string): DriftThresholds {
  return { ...DEFAULT_DRIFT_THRESHOLDS, ...settings.drift, ...settings.models?.[model]?.drift };
}

export function qualityThresholdsFor(settings: MonitorSettings, model: string): QualityThresholds {
  return { ...DEFAULT_QUALITY_THRESHOLDS, ...settings.quality, ...settings.models?.[model]?.quality };
}

export function alertRulesFor(settings: MonitorSettings, model: string): readonly AlertRule[] {
  return settings.models?.[model]?.rules ?? settings.rules ?? DEFAULT_ALERT_RULES;
}
