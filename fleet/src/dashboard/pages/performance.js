// The performance page: the model's metric per window from joined labels, against its test band
// (GET …/performance), and where the metric left the band while inputs stayed in distribution.
import { api } from '../api.js';
import { fixed, h, stat, table } from '../dom.js';
import { lineChart } from '../line-chart.js';
import { modelChoice, pickerForm, statusCell } from './common.js';

export async function performancePage(params) {
  const { names, model } = await modelChoice(params);
  const window = params.get('window') ?? '1d';
  const root = h('div', {}, h('h2', {}, 'Performance'));
  if (!model) {
    root.append(h('p', {}, 'No model is registered yet.'));
    return root;
  }
  root.append(
    pickerForm('performance', [
      { name: 'model', label: 'Model', options: names, value: model },
      { name: 'window', label: 'Window', options: ['1h', '1d'], value: window },
    ]),
  );
  let r;
  try {
    r = await api(`/api/v1/models/${encodeURIComponent(model)}/performance?window=${encodeURIComponent(window)}`);
  } catch (err) {
    root.append(h('p', { class: 'error', role: 'alert' }, `${err.code}: ${err.message}`));
    return root;
  }
  const metric = r.band?.metric ?? Object.keys(r.points[0]?.metrics ?? {})[0];
  const labels = r.points.reduce((n, p) => n + p.labels, 0);
  root.append(
    h(
      'p',
      {},
      `${r.model} v${r.version} (${r.task}); `,
      r.band
        ? `test band: ${r.band.metric} ${fixed(r.band.value)} [${fixed(r.band.low)}, ${fixed(r.band.high)}] (${r.band.source})`
        : 'the manifest has no test band',
    ),
    h(
      'ul',
      { class: 'stats' },
      stat('perf-labels', labels, 'labelled predictions'),
      stat('perf-windows', r.points.length, 'windows'),
      stat('perf-worse', r.points.filter((p) => p.status === 'worse').length, 'windows outside the band'),
      stat('perf-concept', r.points.filter((p) => p.conceptDrift).length, 'with concept drift'),
      stat('perf-unjoined', r.unjoined, 'labels waiting for their prediction'),
    ),
  );
  if (r.points.length === 0) {
    root.append(h('p', {}, 'No labelled predictions yet.'));
    return root;
  }
  if (metric)
    root.append(
      lineChart({
        name: 'performance',
        title: `${metric} per window${r.band ? ' (shaded: the test band)' : ''}`,
        times: r.points.map((p) => p.start),
        series: [{ label: metric, values: r.points.map((p) => p.metrics[metric] ?? null) }],
        spanMs: r.window.sizeMs,
        ...(r.band ? { band: { label: 'test band', low: r.band.low, high: r.band.high } } : {}),
      }),
    );
  const names2 = [...new Set(r.points.flatMap((p) => Object.keys(p.metrics)))];
  root.append(
    table(
      'Per window',
      ['window start (UTC)', 'labels', ...names2, 'status', 'inputs', ''],
      r.points.map((p) => [
        p.start.slice(0, 16).replace('T', ' '),
        p.labels,
        ...names2.map((n) => fixed(p.metrics[n])),
        statusCell(p.status),
        p.inputDrift ?? '-',
        p.conceptDrift ? 'concept drift' : '',
      ]),
      { 'data-table': 'performance' },
    ),
  );
  return root;
}
