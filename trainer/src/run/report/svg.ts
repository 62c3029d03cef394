/** Small inline SVG charts for the run report: scatter (residuals), calibration, horizontal bars. */

const W = 420;
const H = 280;
const PAD = 44;

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

function tick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  return Number(v.toPrecision(3)).toString();
}

function scale(lo: number, hi: number, a: number, b: number): (v: number) => number {
  const span = hi - lo || 1;
  return (v) => a + ((v - lo) / span) * (b - a);
}

function axes(xl: string, yl: string, x0: number, x1: number, y0: number, y1: number): string {
  return [
    `<line x1="${PAD}" y1="${H - PAD}" x2="${W - 10}" y2="${H - PAD}" stroke="#555"/>`,
    `<line x1="${PAD}" y1="10" x2="${PAD}" y2="${H - PAD}" stroke="#555"/>`,
    `<text x="${PAD}" y="${H - PAD + 14}" font-size="10">${tick(x0)}</text>`,
    `<text x="${W - 40}" y="${H - PAD + 14}" font-size="10">${tick(x1)}</text>`,
    `<text x="2" y="${H - PAD}" font-size="10">${tick(y0)}</text>`,
    `<text x="2" y="18" font-size="10">${tick(y1)}</text>`,
    `<text x="${W / 2 - 40}" y="${H - 8}" font-size="11">${esc(xl)}</text>`,
    `<text x="4" y="${H / 2}" font-size="11" transform="rotate(-90 10 ${H / 2})">${esc(yl)}</text>`,
  ].join('');
}

/** Residual (actual − predicted) against predicted. */
export function residualPlot(predicted: readonly number[], actual: readonly number[]): string {
  const res = actual.map((a, i) => a - (predicted[i] as number));
  const x0 = Math.min(...predicted);
  const x1 = Math.max(...predicted);
  const m = Math.max(1e-12, ...res.map(Math.abs));
  const sx = scale(x0, x1, PAD, W - 10);
  const sy = scale(-m, m, H - PAD, 10);
  const dots = predicted
    .map(
      (p, i) =>
        `<circle cx="${sx(p).toFixed(1)}" cy="${sy(res[i] as number).toFixed(1)}" r="1.6" fill="#3366aa" fill-opacity="0.45"/>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="residual plot">${axes('predicted', 'actual − predicted', x0, x1, -m, m)}<line x1="${PAD}" y1="${sy(0)}" x2="${W - 10}" y2="${sy(0)}" stroke="#c33" stroke-dasharray="4 3"/>${dots}</svg>`;
}

/** Observed share of class 1 against mean predicted probability, with the diagonal. */
export function calibrationPlot(bins: readonly { predicted: number; observed: number; rows: number }[]): string {
  const sx = scale(0, 1, PAD, W - 10);
  const sy = scale(0, 1, H - PAD, 10);
  const pts = bins.map((b) => `${sx(b.predicted).toFixed(1)},${sy(b.observed).toFixed(1)}`).join(' ');
  const dots = bins
    .map(
      (b) =>
        `<circle cx="${sx(b.predicted).toFixed(1)}" cy="${sy(b.observed).toFixed(1)}" r="3" fill="#3366aa"><title>${b.rows} rows</title></circle>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="calibration plot">${axes('mean predicted P(positive)', 'observed share', 0, 1, 0, 1)}<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}" stroke="#999" stroke-dasharray="4 3"/><polyline points="${pts}" fill="none" stroke="#3366aa"/>${dots}</svg>`;
}

/** Horizontal bars (importances, segment scores). */
export function barChart(items: readonly { label: string; value: number }[]): string {
  const rowH = 16;
  const h = items.length * rowH + 10;
  const max = Math.max(1e-12, ...items.map((i) => Math.abs(i.value)));
  const bars = items
    .map((it, i) => {
      const w = (Math.max(0, it.value) / max) * (W - 190);
      return `<text x="0" y="${i * rowH + 12}" font-size="10">${esc(it.label.slice(0, 28))}</text><rect x="170" y="${i * rowH + 3}" width="${w.toFixed(1)}" height="${rowH - 5}" fill="#3366aa"/><text x="${174 + w}" y="${i * rowH + 12}" font-size="9">${tick(it.value)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W + 60}" height="${h}" role="img">${bars}</svg>`;
}

export { esc };
