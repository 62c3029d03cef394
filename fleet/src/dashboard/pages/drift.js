// The model drift page: the whole-range PSI per feature, a feature × time heatmap of PSI, PSI over
// time per feature with the moderate / major thresholds, and reference vs current histograms.
import { api } from '../api.js';
import { barChart } from '../charts.js';
import { fixed, h, table } from '../dom.js';
import { heatmap } from '../heatmap.js';
import { lineChart } from '../line-chart.js';
import { modelChoice, pickerForm, statusCell } from './common.js';

const WINDOWS = ['1h', '1d'];

/** The drift over time: heatmap and lines, from GET /api/v1/models/:name/drift/series. */
function seriesCharts(series) {
  const points = series.points;
  const features = points[0]?.features.map((f) => f.feature) ?? [];
  const times = points.map((p) => p.start);
  const t = series.thresholds;
  return [
    h(
      'p',
      {},
      h('span', { 'data-stat': 'series-points' }, points.length),
      ` window${points.length === 1 ? '' : 's'} of ${series.window.sizeMs / 3_600_000} h; `,
      h('span', { 'data-stat': 'series-major' }, points.filter((p) => p.status === 'major').length),
      ' with major drift',
    ),
    heatmap({
      name: 'heatmap',
      title: `PSI per feature and window (green 0, amber ≥ ${t.moderate}, red ≥ ${t.major}, grey: fewer than ${t.minRows} rows)`,
      rows: [...features, '(prediction)'],
      times,
      cell: (r, c) => {
        const p = points[c];
        return r < features.length ? p.features[r] : p.prediction;
      },
      thresholds: t,
    }),
    lineChart({
      name: 'psi-time',
      title: `PSI over time per feature (dashed: ${t.moderate} moderate, ${t.major} major)`,
      times,
      series: features.map((f, k) => ({
        label: f,
        values: points.map((p) => (p.features[k].status === 'insufficient' ? null : p.features[k].psi)),
      })),
      spanMs: series.window.sizeMs,
      thresholds: [
        { label: 'moderate', value: t.moderate, colour: '#b45309' },
        { label: 'major', value: t.major, colour: '#b91c1c' },
      ],
    }),
  ];
}

export async function driftPage(params) {
  const { names, model } = await modelChoice(params);
  const window = params.get('window') ?? '1h';
  const root = h('div', {}, h('h2', {}, 'Drift'));
  if (!model) {
    root.append(h('p', {}, 'No model is registered yet.'));
    return root;
  }
  root.append(
    pickerForm('drift', [
      { name: 'model', label: 'Model', options: names, value: model },
      { name: 'window', label: 'Window', options: WINDOWS, value: window },
    ]),
  );
  const q = new URLSearchParams();
  for (const k of ['version', 'device', 'since', 'until']) if (params.get(k)) q.set(k, params.get(k));
  const sq = new URLSearchParams(q);
  sq.set('window', window);
  const base = `/api/v1/models/${encodeURIComponent(model)}/drift`;
  let report;
  let series;
  try {
    [report, series] = await Promise.all([api(`${base}${q.size ? `?${q}` : ''}`), api(`${base}/series?${sq}`)]);
  } catch (err) {
    root.append(h('p', { class: 'error', role: 'alert' }, `${err.code}: ${err.message}`));
    return root;
  }
  root.append(
    h(
      'p',
      {},
      `${report.model} v${report.version}${report.device ? ` device ${report.device}` : ''}: `,
      h('span', { 'data-stat': 'drift-windows' }, report.windows),
      ' windows, ',
      h('span', { 'data-stat': 'drift-rows' }, report.rows),
      ' rows',
    ),
    h('h3', {}, 'Over time'),
    ...seriesCharts(series),
    h('h3', {}, 'Whole range'),
    barChart({
      name: 'psi',
      title: 'PSI per feature (0.1 moderate, 0.25 major)',
      labels: report.features.map((f) => f.feature),
      series: [{ label: 'PSI', values: report.features.map((f) => f.psi) }],
    }),
    table(
      'Per feature',
      ['feature', 'PSI', 'Jensen–Shannon', 'rows', 'status'],
      [
        ...report.features.map((f) => [f.feature, fixed(f.psi), fixed(f.js), f.rows, statusCell(f.status)]),
        [
          '(prediction)',
          fixed(report.prediction.psi),
          fixed(report.prediction.js),
          report.prediction.rows,
          statusCell(report.prediction.status),
        ],
      ],
      { 'data-table': 'drift' },
    ),
  );
  const features = Object.keys(report.histograms);
  const chosen = params.get('feature') ?? report.features[0]?.feature ?? features[0];
  const pick = h(
    'form',
    {},
    h('label', { for: 'drift-feature' }, 'Histogram of'),
    h(
      'select',
      { id: 'drift-feature', name: 'feature' },
      features.map((f) => h('option', { value: f, selected: f === chosen }, f)),
    ),
  );
  const holder = h('div', {});
  const draw = (feature) => {
    const hist = report.histograms[feature];
    holder.replaceChildren(
      barChart({
        name: 'histogram',
        title: `${feature}: reference vs current (${hist.rows} rows)`,
        labels: hist.bins,
        series: [
          { label: 'reference', values: hist.reference },
          { label: 'current', values: hist.current },
        ],
      }),
    );
  };
  pick.addEventListener('change', () => draw(pick.elements.feature.value));
  root.append(pick, holder);
  if (chosen) draw(chosen);
  return root;
}
