// A feature × time heatmap of PSI on a canvas: one row per feature, one column per window, the
// colour from green (0) through amber (the moderate threshold) to red (the major one and above);
// grey where the window had too few rows to judge.

const LEFT = 130;
const TOP = 8;
const BOTTOM = 34;

/** The colour of a PSI value against the thresholds (null, or an insufficient window: grey). */
export function psiColour(psi, status, t) {
  if (psi === null || status === 'insufficient') return '#cbd5e1';
  const mix = (a, b, f) => a.map((x, i) => Math.round(x + (b[i] - x) * f));
  const green = [22, 163, 74];
  const amber = [245, 158, 11];
  const red = [185, 28, 28];
  const c =
    psi < t.moderate
      ? mix(green, amber, psi / t.moderate)
      : mix(amber, red, Math.min(1, (psi - t.moderate) / (t.major - t.moderate)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/**
 * `rows`: feature names; `times`: ISO window starts; `cell(row, col)` → { psi, status };
 * `thresholds`: { moderate, major }. Returns a figure with the canvas, `data-chart` = `name`;
 * hovering a cell shows its feature, window and PSI in the caption.
 */
export function heatmap({ name, title, rows, times, cell, thresholds, width = 900 }) {
  const container = document.createElement('figure');
  container.className = 'chart';
  container.dataset.chart = name;
  const rowH = 22;
  const height = TOP + rows.length * rowH + BOTTOM;
  const canvas = document.createElement('canvas');
  const ratio = window.devicePixelRatio || 1;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.setAttribute('width', String(width * ratio));
  canvas.setAttribute('height', String(height * ratio));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', title);
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  const colW = times.length > 0 ? (width - LEFT - 8) / times.length : 0;
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  rows.forEach((feature, r) => {
    ctx.fillStyle = '#111';
    ctx.textAlign = 'right';
    ctx.fillText(feature, LEFT - 6, TOP + r * rowH + rowH / 2);
    times.forEach((_t, c) => {
      const v = cell(r, c);
      ctx.fillStyle = psiColour(v?.psi ?? null, v?.status ?? 'insufficient', thresholds);
      ctx.fillRect(LEFT + c * colW, TOP + r * rowH + 1, Math.max(1, colW - (colW > 4 ? 1 : 0)), rowH - 2);
    });
  });
  // Time labels: about one every 120 px.
  ctx.fillStyle = '#111';
  ctx.textAlign = 'center';
  const every = Math.max(1, Math.ceil(120 / Math.max(colW, 1)));
  for (let c = 0; c < times.length; c += every)
    ctx.fillText(
      times[c].slice(5, 16).replace('T', ' '),
      LEFT + c * colW + colW / 2,
      TOP + rows.length * rowH + BOTTOM / 2,
    );
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  canvas.addEventListener('mousemove', (e) => {
    const rect = canvas.getBoundingClientRect();
    const c = Math.floor((e.clientX - rect.left - LEFT) / colW);
    const r = Math.floor((e.clientY - rect.top - TOP) / rowH);
    const v = r >= 0 && r < rows.length && c >= 0 && c < times.length ? cell(r, c) : undefined;
    caption.textContent = v
      ? `${rows[r]} · window from ${times[c]} · PSI ${v.psi === null ? '-' : v.psi.toFixed(4)} (${v.status})`
      : title;
  });
  container.append(canvas, caption);
  return container;
}
