// uPlot charts of the drift page: bars over categorical x (features, or histogram bins). uPlot is
// served by the fleet from node_modules/uplot/dist at /vendor/, next to this file's URL.
import uPlot from './vendor/uPlot.esm.js';

const COLOURS = ['#2563eb', '#ea580c', '#16a34a'];

/**
 * A bar chart: `labels` along x, one bar series per entry of `series` ({ label, values }).
 * Returns the chart's container (a figure with the canvas and a caption).
 */
export function barChart({ title, labels, series, width = 720, height = 260, name }) {
  const container = document.createElement('figure');
  container.className = 'chart';
  container.dataset.chart = name;
  const opts = {
    width,
    height,
    scales: {
      x: { time: false, range: [-0.5, labels.length - 0.5] },
      y: { range: (_u, _min, max) => [0, Math.max(max, 0.01) * 1.1] },
    },
    axes: [
      {
        values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (labels[i] ?? '') : '')),
        splits: () => labels.map((_, i) => i),
        // Long bin labels are turned so neighbours do not overlap.
        rotate: labels.some((l) => l.length > 8) ? -30 : 0,
        size: labels.some((l) => l.length > 8) ? 70 : 40,
      },
      {},
    ],
    series: [
      {},
      ...series.map((s, k) => ({
        label: s.label,
        stroke: COLOURS[k % COLOURS.length],
        fill: `${COLOURS[k % COLOURS.length]}99`,
        // Side by side: with two series the first is drawn left of its category, the second right.
        paths: uPlot.paths.bars({ size: [0.8 / series.length, 80], align: series.length === 1 ? 0 : k === 0 ? -1 : 1 }),
        points: { show: false },
        value: (_u, v) => (v === null ? '-' : Number(v).toFixed(4)),
      })),
    ],
    legend: { show: true },
  };
  const xs = labels.map((_, i) => i);
  const data = [xs, ...series.map((s) => s.values)];
  const plot = new uPlot(opts, data, container);
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  container.append(caption);
  container.plot = plot;
  return container;
}
