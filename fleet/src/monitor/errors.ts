import { OutpostError, defineErrors } from '@outpost/protocol';

/** Codes of the fleet's monitoring (docs/MONITORING.md), registered like the fleet's own (docs/ARCHITECTURE.md "Errors"). */
export const MonitorErrorCodes = defineErrors('fleet', {
  MONITOR_WINDOW_INVALID: 'a monitoring window length is not a positive `<n>m|h|d`, or its step does not divide it',
  MONITOR_SETTINGS_INVALID: 'the monitoring settings (`<data-dir>/monitor.json`) do not match their schema',
  LABELS_CSV_INVALID:
    'a label CSV lacks a `prediction_id` or `label` column, or a row is malformed (`details.line`); nothing of the file is imported',
  ALERT_UNKNOWN: 'an acknowledgement names an alert id the fleet does not have',
  WEBHOOK_FAILED:
    'the alert webhook refused or did not answer after every attempt; the alert stays stored and published on MQTT',
});

export type MonitorErrorCode = (typeof MonitorErrorCodes)[keyof typeof MonitorErrorCodes];

export function monitorError(code: MonitorErrorCode, message: string, details?: Record<string, unknown>): OutpostError {
  return new OutpostError(code, message, details ? { details } : {});
}
