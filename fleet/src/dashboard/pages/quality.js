// The data-quality page: per device and window, stuck sensors, missing and out-of-range spikes,
// unseen categories and devices whose inputs differ from their site's (GET …/quality).
import { api } from '../api.js';
import { h, stat, table } from '../dom.js';
import { modelChoice, pickerForm } from './common.js';

const KINDS = {
  stuck: 'stuck sensor',
  'missing-spike': 'missing-rate spike',
  'out-of-range-spike': 'out-of-range spike',
  'unseen-category': 'unseen categories',
  'site-outlier': 'differs from its site',
};

const value = (x) => (x === null || x === undefined ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(4));

export async function qualityPage(params) {
  const { names, model } = await modelChoice(params);
  const window = params.get('window') ?? '1h';
  const root = h('div', {}, h('h2', {}, 'Data quality'));
  if (!model) {
    root.append(h('p', {}, 'No model is registered yet.'));
    return root;
  }
  root.append(
    pickerForm('quality', [
      { name: 'model', label: 'Model', options: names, value: model },
      { name: 'window', label: 'Window', options: ['1h', '1d'], value: window },
    ]),
  );
  let r;
  try {
    r = await api(`/api/v1/models/${encodeURIComponent(model)}/quality?window=${encodeURIComponent(window)}`);
  } catch (err) {
    root.append(h('p', { class: 'error', role: 'alert' }, `${err.code}: ${err.message}`));
    return root;
  }
  const judged = r.points.filter((p) => p.status !== 'insufficient').length;
  const devices = new Set(r.findings.map((f) => f.device));
  root.append(
    h('p', {}, `${r.model} v${r.version}`),
    h(
      'ul',
      { class: 'stats' },
      stat('quality-findings', r.findings.length, 'findings'),
      stat('quality-devices', devices.size, 'devices with findings'),
      stat('quality-judged', judged, 'device windows judged'),
      stat('quality-insufficient', r.points.length - judged, `insufficient (< ${r.thresholds.minRows} rows)`),
    ),
    table(
      'Findings, newest window first',
      ['window start (UTC)', 'device', 'site', 'feature', 'finding', 'value', 'usual'],
      [...r.findings]
        .reverse()
        .map((f) => [
          f.start.slice(0, 16).replace('T', ' '),
          h('a', { href: `#/devices/${encodeURIComponent(f.device)}` }, f.device),
          f.site,
          f.feature,
          h('span', { class: `finding-${f.kind}` }, KINDS[f.kind] ?? f.kind),
          value(f.value),
          f.kind.endsWith('spike') ? value(f.baseline) : '',
        ]),
      { 'data-table': 'quality' },
    ),
  );
  return root;
}
