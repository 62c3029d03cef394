/**
 * Renders the explore summary as one self-contained HTML page: inline CSS, histograms as inline
 * SVG, no scripts or external assets, so it opens anywhere and can be attached to a run.
 */
import type { Histogram } from './column-stats.ts';
import type { ColumnSummary, ExploreSummary } from './summary.ts';

export function escapeHtml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const fmt = (x: number | undefined): string => {
  if (x === undefined || Number.isNaN(x)) return '–';
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  return Math.abs(x) >= 1000 ? x.toLocaleString('en-US', { maximumFractionDigits: 1 }) : x.toPrecision(4);
};

const fmt2 = (x: number | undefined): string => (x === undefined ? '–' : x.toFixed(2));
const pctOf = (x: number | undefined): string => (x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);

export function histogramSvg(h: Histogram, highlightLast = false): string {
  const w = 260;
  const ht = 70;
  const n = h.counts.length;
  if (n === 0) return '';
  const max = Math.max(...h.counts, 1);
  const bw = w / n;
  const bars = h.counts
    .map((c, i) => {
      const bh = (c / max) * (ht - 4);
      const fill = highlightLast && i === n - 1 ? '#c0392b' : '#4a78a8';
      const label = h.labels ? (h.labels[i] ?? '') : `${fmt(h.edges?.[i])} – ${fmt(h.edges?.[i + 1])}`;
      return `<rect x="${(i * bw + 0.5).toFixed(1)}" y="${(ht - bh).toFixed(1)}" width="${Math.max(bw - 1, 0.5).toFixed(1)}" height="${bh.toFixed(1)}" fill="${fill}"><title>${escapeHtml(label)}: ${c}</title></rect>`;
    })
    .join('');
  const axis = h.labels
    ? ''
    : `<text x="0" y="${ht + 11}" font-size="9">${escapeHtml(fmt(h.edges?.[0]))}</text><text x="${w}" y="${ht + 11}" font-size="9" text-anchor="end">${escapeHtml(fmt(h.edges?.[n]))}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${ht + 13}" viewBox="0 0 ${w} ${ht + 13}" role="img">${bars}${axis}</svg>`;
}

function statsRows(c: ColumnSummary): string {
  const rows: [string, string][] = [
    ['type', c.kind],
    ['role', c.role],
    ['count', fmt(c.count)],
    ['missing', c.missing > 0 ? `${fmt(c.missing)} (${((100 * c.missing) / (c.count + c.missing)).toFixed(1)}%)` : '0'],
    ['distinct', fmt(c.distinct)],
  ];
  if (c.kind === 'numeric' && c.quantiles) {
    rows.push(['min / max', `${fmt(c.min)} / ${fmt(c.max)}`], ['mean ± std', `${fmt(c.mean)} ± ${fmt(c.std)}`]);
    rows.push([
      'p5 · p25 · p50 · p75 · p95',
      [c.quantiles.p05, c.quantiles.p25, c.quantiles.p50, c.quantiles.p75, c.quantiles.p95].map(fmt).join(' · '),
    ]);
  }
  if (c.top)
    rows.push([
      'most frequent',
      c.top
        .slice(0, 5)
        .map(([v, n]) => `${v} (${fmt(n)})`)
        .join(', '),
    ]);
  if (c.association)
    rows.push([
      `vs target (${c.association.measure})`,
      Number.isNaN(c.association.value) ? '–' : c.association.value.toFixed(3),
    ]);
  if (c.oneFeatureAccuracy !== undefined)
    rows.push(['best 1-feature rule accuracy', `${(100 * c.oneFeatureAccuracy).toFixed(1)}%`]);
  if (c.capped) rows.push(['capped', `${fmt(c.capped.count)} rows at ${fmt(c.capped.value)}`]);
  if (c.idLike) rows.push(['ID-like', 'yes']);
  const run = c.quality?.stuck;
  if (run)
    rows.push([
      `${run.kind} run`,
      `${fmt(run.rows)} rows at ${fmt(run.value)} (lines ${run.firstLine}–${run.lastLine})`,
    ]);
  if (c.quality?.floor)
    rows.push(['at the minimum', `${fmt(c.quality.floor.count)} rows at ${fmt(c.quality.floor.value)}`]);
  return rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
}

function columnCard(c: ColumnSummary, warned: boolean): string {
  const cls = `card${c.role === 'target' ? ' target' : ''}${warned ? ' warned' : ''}`;
  return `<section class="${cls}" id="col-${escapeHtml(c.name)}"><h3>${escapeHtml(c.name)}</h3><table>${statsRows(c)}</table>${histogramSvg(c.histogram, c.capped !== undefined)}</section>`;
}

export function renderExploreHtml(s: ExploreSummary): string {
  const warned = new Set(s.warnings.map((w) => w.column).filter((c): c is string => c !== undefined));
  const warnings =
    s.warnings.length === 0
      ? '<p class="ok">No warnings.</p>'
      : `<ul class="warnings">${s.warnings.map((w) => `<li><b>${escapeHtml(w.kind)}</b> ${escapeHtml(w.message)}</li>`).join('')}</ul>`;
  const overview = s.columns
    .map(
      (c) =>
        `<tr${warned.has(c.name) ? ' class="warned"' : ''}><td><a href="#col-${escapeHtml(c.name)}">${escapeHtml(c.name)}</a></td><td>${c.kind}</td><td>${c.role}</td><td>${fmt(c.missing)}</td><td>${fmt(c.distinct)}</td><td>${c.association ? escapeHtml(`${c.association.measure} ${Number.isNaN(c.association.value) ? '–' : c.association.value.toFixed(3)}`) : ''}</td></tr>`,
    )
    .join('');
  const drift = s.drift
    ? `<h2>Drift across time</h2><p class="meta">${escapeHtml(s.drift.note)}. PSI below 0.1 is usually read as stable, 0.1–0.25 a moderate shift, from 0.25 a shift to act on; – : too few rows to tell.</p><table><tr><th>feature</th><th>PSI validation</th><th>PSI test</th><th>outside training range: validation</th><th>test</th></tr>${s.drift.features
        .map(
          (f) =>
            `<tr${warned.has(f.column) ? ' class="warned"' : ''}><td>${escapeHtml(f.column)}</td><td>${fmt2(f.validation?.psi)}</td><td>${fmt2(f.test?.psi)}</td><td>${pctOf(f.validation?.outsideRange)}</td><td>${pctOf(f.test?.outsideRange)}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  const dups = `${fmt(s.duplicates)} duplicate rows${s.duplicatesIgnoringIds !== undefined ? `; ${fmt(s.duplicatesIgnoringIds)} ignoring ID-like columns` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(s.name)} — explore</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{margin-bottom:.2em} .meta{color:#555} table{border-collapse:collapse} th,td{text-align:left;padding:2px 8px;border-bottom:1px solid #eee;vertical-align:top}
.warnings li{margin:.3em 0;color:#8a1c12} .ok{color:#246b2e} tr.warned td{background:#fdecea}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 10px} .card.target{border-color:#4a78a8;border-width:2px} .card.warned{border-color:#c0392b}
.card h3{margin:.1em 0 .4em} .card th{font-weight:normal;color:#666;white-space:nowrap}
</style></head><body>
<h1>${escapeHtml(s.name)}: data exploration</h1>
<p class="meta">${escapeHtml(s.objective)}</p>
<p class="meta">Task <b>${escapeHtml(s.task)}</b>, target <b>${escapeHtml(s.target)}</b>, metric <b>${escapeHtml(s.metric)}</b>. ${fmt(s.rows)} rows explored (${escapeHtml(s.scope)}); ${escapeHtml(dups)}.</p>
<h2>Warnings</h2>${warnings}
${drift}
<h2>Columns</h2><table><tr><th>column</th><th>type</th><th>role</th><th>missing</th><th>distinct</th><th>vs target</th></tr>${overview}</table>
<div class="grid">${s.columns.map((c) => columnCard(c, warned.has(c.name))).join('')}</div>
</body></html>
`;
}
