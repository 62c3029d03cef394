// uPlot line charts over time: one line per series, optional dashed threshold lines (PSI 0.1 /
// 0.25) and an optional shaded band between two values (a model's test interval), both drawn
// across the whole plot by a draw hook.
import uPlot from './vendor/uPlot.esm.js';

const COLOURS = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#0891b2', '#ca8a04', '#db2777', '#4b5563'];

/** Draws the band and threshold lines across the plot, whatever the x range (a single window too). */
function overlay(band, thresholds) {
  return (u) => {
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    if (band) {
      const y1 = u.valToPos(band.high, 'y', true);
      const y2 = u.valToPos(band.low, 'y', true);
      ctx.fillStyle = '#16a34a33';
      ctx.fillRect(left, y1, width, Math.max(2, y2 - y1));
    }
    for (const t of thresholds) {
      const y = u.valToPos(t.value, 'y', true);
      ctx.strokeStyle = t.colour ?? '#b91c1c';
      ctx.lineWidth = 1.5 * (window.devicePixelRatio || 1);
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
    }
    ctx.restore();
  };
}

/**
 * `times`: ISO strings along x; `series`: [{ label, values }] (null: no value there);
 * `thresholds`: [{ label, value, colour }] drawn dashed; `band`: { label, low, high } shaded;
 * `spanMs`: the length of one window (the x range around a single point).
 * Returns a figure holding the canvas and a caption, `data-chart` = `name`.
 */
export function lineChart({
  name,
  title,
  times,
  series,
  thresholds = [],
  band,
  spanMs = 3_600_000,
  width = 900,
  height = 280,
}) {
  const container = document.createElement('figure');
  container.className = 'chart';
  container.dataset.chart = name;
  const xs = times.map((t) => Date.parse(t) / 1000);
  const pad = spanMs / 1000;
  const marks = [...thresholds.map((t) => t.value), ...(band ? [band.low, band.high] : [])];
  const opts = {
    width,
    height,
    scales: {
      x: { time: true, range: () => (xs.length > 1 ? [xs[0], xs.at(-1)] : [xs[0] - pad, xs[0] + pad]) },
      y: {
        range: (_u, min, max) => [Math.min(0, min ?? 0, ...marks), Math.max(max ?? 0, 0.01, ...marks) * 1.1],
      },
    },
    series: [
      {},
      ...series.map((s, k) => ({
        label: s.label,
        stroke: COLOURS[k % COLOURS.length],
        width: 2,
        spanGaps: false,
        points: { show: xs.length < 60, size: 6 },
        value: (_u, v) => (v === null || v === undefined ? '-' : Number(v).toFixed(4)),
      })),
    ],
    hooks: { draw: [overlay(band, thresholds)] },
    legend: { show: true },
  };
  const plot = new uPlot(opts, [xs, ...series.map((s) => s.values)], container);
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  container.append(caption);
  container.plot = plot;
  return container;
}
