// uPlot line charts over time: one line per series, optional dashed threshold lines (PSI 0.1 /
// 0.25) and an optional shaded band between two values (a model's test interval).
import uPlot from './vendor/uPlot.esm.js';

const COLOURS = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#0891b2', '#ca8a04', '#db2777', '#4b5563'];

/**
 * `times`: ISO strings along x; `series`: [{ label, values }] (null: no value there);
 * `thresholds`: [{ label, value, colour }] drawn dashed; `band`: { label, low, high } shaded.
 * Returns a figure holding the canvas and a caption, `data-chart` = `name`.
 */
export function lineChart({ name, title, times, series, thresholds = [], band, width = 900, height = 280 }) {
  const container = document.createElement('figure');
  container.className = 'chart';
  container.dataset.chart = name;
  const xs = times.map((t) => Date.parse(t) / 1000);
  const constant = (v) => xs.map(() => v);
  const lines = series.map((s, k) => ({
    label: s.label,
    stroke: COLOURS[k % COLOURS.length],
    width: 2,
    spanGaps: false,
    points: { show: xs.length < 60, size: 5 },
    value: (_u, v) => (v === null || v === undefined ? '-' : Number(v).toFixed(4)),
  }));
  const extra = [];
  const data = [xs, ...series.map((s) => s.values)];
  const bands = [];
  if (band) {
    const lowIdx = data.length;
    extra.push(
      { label: `${band.label} low`, stroke: '#16a34a99', width: 1, points: { show: false } },
      { label: `${band.label} high`, stroke: '#16a34a99', width: 1, points: { show: false } },
    );
    data.push(constant(band.low), constant(band.high));
    bands.push({ series: [lowIdx + 1, lowIdx], fill: '#16a34a22' });
  }
  for (const t of thresholds) {
    extra.push({ label: t.label, stroke: t.colour ?? '#b91c1c', dash: [6, 4], width: 1, points: { show: false } });
    data.push(constant(t.value));
  }
  const opts = {
    width,
    height,
    scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(max, 0.01) * 1.1] } },
    series: [{}, ...lines, ...extra],
    bands,
    legend: { show: true },
  };
  const plot = new uPlot(opts, data, container);
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  container.append(caption);
  container.plot = plot;
  return container;
}
