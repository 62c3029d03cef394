/**
 * The run report: one self-contained HTML page telling the whole story —
 * problem, data, candidates table, tuning, chosen model, importance, where the model fails (with
 * residual / calibration plots), the test result with its CI once `outpost test` ran, and the
 * decision. No external assets: it opens from a file anywhere.
 */
import type { ErrorAnalysis } from '../error-analysis.ts';
import type { RunRecord, TestRecord } from '../run-dir.ts';
import type { ValidationRow } from '../run-training.ts';
import { ensembleTag, formatScore, rankRows } from '../select.ts';
import { barChart, calibrationPlot, esc, residualPlot } from './svg.ts';

const CSS = `body{font:14px/1.45 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.go{color:#176f2c;font-weight:bold}.nogo{color:#a11;font-weight:bold}.muted{color:#777}.box{background:#f8f8f8;padding:.6em 1em;border-left:4px solid #3366aa}`;

const fmtParams = (p: unknown): string => esc(JSON.stringify(p));

function decisionHtml(d: RunRecord['decision'], title: string): string {
  return `<div class="box"><p><span class="${d.go ? 'go' : 'nogo'}">${d.go ? 'GO' : 'NO-GO'}</span> — ${esc(title)}</p><ul>${d.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul></div>`;
}

function errorsHtml(e: ErrorAnalysis, where: string): string {
  const rows = e.segments
    .map(
      (s) =>
        `<tr><td>${esc(s.column)}</td><td>${esc(s.label)}</td><td class="n">${s.rows}</td><td class="n">${formatScore(s.score, e.metric)}</td><td class="n">${Number.isFinite(s.worseBy) ? `${(100 * s.worseBy).toFixed(0)}%` : '∞'}</td></tr>`,
    )
    .join('');
  const plot = e.residuals
    ? residualPlot(e.residuals.predicted, e.residuals.actual)
    : e.calibration
      ? calibrationPlot(e.calibration)
      : '';
  const findings =
    e.findings.length > 0
      ? `<ul>${e.findings.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>`
      : '<p class="muted">No segment is more than 10% worse than overall.</p>';
  return `<p>${esc(e.metric)} ${formatScore(e.overall, e.metric)} overall on ${e.rows} ${esc(where)} rows. Worst segments:</p>${findings}
<table><tr><th>column</th><th>segment</th><th>rows</th><th>${esc(e.metric)}</th><th>worse than overall</th></tr>${rows}</table>${plot}`;
}

/** An ensemble row's members, and a stacking row's meta-learner weights. */
function validationNote(v: ValidationRow): string {
  if (!v.members) return '';
  const s = v.stack;
  const meta = s
    ? `; ${s.learner === 'nnls' ? 'non-negative least squares' : 'logistic regression'} on out-of-fold predictions of ${s.trainingRows} training rows (${s.folds} folds${s.extraFits > 0 ? `, ${s.extraFits} extra fits` : ''}): weights ${s.weights.map((w) => w.map((x) => Number(x.toPrecision(3))).join('/')).join(', ')}, intercept ${s.intercept.map((x) => Number(x.toPrecision(3))).join('/')}`
    : '';
  return ` <span class="muted">(${esc(ensembleTag(v.members, v.method))}${esc(meta)})</span>`;
}

export function renderReport(rec: RunRecord, tests: readonly TestRecord[]): string {
  const m = rec.metric;
  const spec = rec.spec;
  const ranked = rankRows(rec.table, m);
  const cand = ranked
    .map(
      (r) =>
        `<tr><td>${esc(r.name)}${r.baseline ? ' <span class="muted">(baseline)</span>' : ''}${r.members ? ` <span class="muted">(${esc(ensembleTag(r.members, r.method))})</span>` : ''}</td><td class="n">${formatScore(r.cv.mean, m)}</td><td class="n">± ${formatScore(r.cv.std, m)}</td><td class="n">${r.seconds.toFixed(1)} s</td><td><code>${fmtParams(r.params)}</code></td></tr>`,
    )
    .join('');
  const failures = Object.entries(rec.failures)
    .map(([n, e]) => `<li>${esc(n)}: ${esc(e)}</li>`)
    .join('');
  const tuning = rec.tuning
    .map(
      (t) =>
        `<tr><td>${esc(t.candidate)}</td><td>${t.method}</td><td class="n">${t.tried} / ${t.space}</td><td class="n">${formatScore(t.defaultScore, m)}</td><td class="n">${formatScore(t.bestScore, m)}</td><td><code>${fmtParams(t.best)}</code></td></tr>`,
    )
    .join('');
  const thresholds = rec.validation.some((v) => v.threshold !== undefined);
  const tunedCv = rec.validation.some((v) => v.cv !== undefined);
  const sized = rec.validation.some((v) => v.bytes !== undefined);
  const budget = spec.constraints?.max_model_bytes;
  const timed = rec.validation.some((v) => v.latencyUs !== undefined);
  const latencyBudget = spec.constraints?.max_latency_us;
  const val = rec.validation
    .map(
      (v) =>
        `<tr><td>${esc(v.name)}${v.name === rec.chosen.name ? ' <b>(chosen)</b>' : ''}${validationNote(v)}</td><td class="n">${formatScore(v.score, m)}</td>${thresholds ? `<td class="n">${v.threshold !== undefined ? v.threshold.toPrecision(3) : ''}</td><td class="n">${formatScore(v.scoreAtDefault ?? NaN, m)}</td>` : ''}${tunedCv ? `<td class="n">${v.cv ? `${formatScore(v.cv.mean, m)} ± ${formatScore(v.cv.std, m)}` : ''}</td>` : ''}${sized ? `<td class="n">${v.bytes !== undefined ? `${v.bytes.toLocaleString('en-US')}${v.bytes > (budget ?? Infinity) ? ' <b>over budget</b>' : ''}` : ''}</td>` : ''}${timed ? `<td class="n">${v.latencyUs !== undefined ? `${Math.round(v.latencyUs).toLocaleString('en-US')}${v.latencyUs > (latencyBudget ?? Infinity) ? ' <b>over budget</b>' : ''}` : ''}</td>` : ''}</tr>`,
    )
    .join('');
  const valHead = `<tr><th>on validation</th><th>${esc(m)}${thresholds ? ' at its threshold' : ''}</th>${thresholds ? `<th>decision threshold (tuned on ${rec.chosen.selectedBy === 'cv' ? 'the out-of-fold predictions' : 'validation'})</th><th>${esc(m)} at 0.5</th>` : ''}${tunedCv ? `<th>cv ${esc(m)} with the tuned parameters (chosen by this)</th>` : ''}${sized ? `<th>model.onnx bytes${budget !== undefined ? ` (budget ${budget.toLocaleString('en-US')})` : ''}</th>` : ''}${timed ? `<th>batch-1 µs in onnxruntime-web (budget ${(latencyBudget ?? 0).toLocaleString('en-US')})</th>` : ''}</tr>`;
  const sets = rec.featureSets ?? [];
  const setsTable =
    sets.length > 1
      ? `<h3>Feature sets</h3><p>Every candidate was cross-validated on each set; the set with the best candidate is kept (<b>${esc(rec.chosen.featureSet)}</b>).</p><table><tr><th>set</th><th>columns</th><th>best candidate</th><th>cv ${esc(m)}</th></tr>${sets
          .map(
            (f) =>
              `<tr><td>${esc(f.name)}${f.name === rec.chosen.featureSet ? ' <b>(kept)</b>' : ''}</td><td>${esc(f.features.join(', '))}</td><td>${esc(f.best?.name ?? '—')}</td><td class="n">${f.best ? `${formatScore(f.best.cv.mean, m)} ± ${formatScore(f.best.cv.std, m)}` : ''}</td></tr>`,
          )
          .join('')}</table>`
      : '';
  const cvNote = spec.cv.group
    ? ` — folds keep each ${spec.cv.group.by === 'day' ? 'day' : 'value'} of <code>${esc(spec.cv.group.column)}</code> whole`
    : '';
  const cols = rec.explore.columns
    .map(
      (c) =>
        `<tr><td>${esc(c.name)}</td><td>${c.role}</td><td>${c.kind}</td><td class="n">${c.missing}</td><td class="n">${c.distinct}</td><td class="n">${c.min !== undefined ? formatScore(c.min, 'rmse') : ''}</td><td class="n">${c.max !== undefined ? formatScore(c.max, 'rmse') : ''}</td><td class="n">${c.mean !== undefined ? Number(c.mean.toPrecision(4)) : ''}</td></tr>`,
    )
    .join('');
  const warnings = rec.explore.warnings.map((w) => `<li>${esc(w.message)}</li>`).join('');
  const importance =
    rec.importance.length > 0
      ? barChart(rec.importance.slice(0, 15).map((i) => ({ label: i.feature, value: i.mean })))
      : '';
  const testSection =
    tests.length === 0
      ? '<p class="muted">Not evaluated yet. The locked test set is opened once, by <code>outpost test &lt;run&gt;</code>.</p>'
      : tests
          .map(
            (
              t,
            ) => `<h3>${esc(t.set)} (${t.rows} rows, ${esc(t.at)}${t.evaluation && t.evaluation > 1 ? `, evaluation #${t.evaluation} — a repeat` : ''})</h3>
<p><b>${esc(t.metric)} ${formatScore(t.value, t.metric)}</b> (95% bootstrap CI ${formatScore(t.ci[0], t.metric)} – ${formatScore(t.ci[1], t.metric)}); baseline ${formatScore(t.baseline, t.metric)}.</p>
${t.set === 'test' ? decisionHtml(t.decision, 'final decision on the locked test set') : ''}${errorsHtml(t.errors, t.set)}`,
          )
          .join('');
  const final = tests.find((t) => t.set === 'test');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(rec.name)} — training run</title><style>${CSS}</style></head><body>
<h1>${esc(rec.name)} — training run</h1>
<p class="muted">Run ${esc(rec.createdAt)}, seed ${rec.seed}, spec ${esc(rec.specFile)}.</p>
${final ? decisionHtml(final.decision, 'final, on the locked test set') : decisionHtml(rec.decision, 'provisional, on the validation rows (the test set is not looked at yet)')}
<h2>Problem</h2><p>${esc(spec.objective)}</p>
<table><tr><th>task</th><td>${spec.task}</td></tr><tr><th>target</th><td>${esc(spec.target.column)}</td></tr><tr><th>metric</th><td>${spec.metric}</td></tr>
<tr><th>baseline</th><td>${esc(String(spec.baseline))}</td></tr><tr><th>success</th><td>${spec.success.threshold !== undefined ? `${esc(spec.success.metric ?? spec.metric)} threshold ${spec.success.threshold}; ` : ''}${spec.success.beat_baseline ? 'beat the baseline' : ''}</td></tr></table>
${spec.assumptions.length > 0 ? `<p>Assumptions:</p><ul>${spec.assumptions.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>` : ''}
<h2>Data</h2><p>${rec.rows.train} training rows, ${rec.rows.validation} validation rows, ${rec.rows.test} locked test rows${rec.rows.extraTests.length > 0 ? `, further held-out sets of ${rec.rows.extraTests.join(', ')} rows` : ''}. Statistics below are of ${esc(rec.explore.scope)}.</p>
${warnings ? `<ul>${warnings}</ul>` : ''}<table><tr><th>column</th><th>role</th><th>kind</th><th>missing</th><th>distinct</th><th>min</th><th>max</th><th>mean</th></tr>${cols}</table>
<p>Design matrix: ${rec.features.length} columns (${esc(rec.features.join(', '))}).</p>
<h2>Candidates (cross-validation on the training rows${cvNote})</h2>${setsTable}${sets.length > 1 ? `<h3>Candidates on the kept set</h3>` : ''}<table><tr><th>candidate</th><th>cv ${esc(m)}</th><th>std</th><th>time</th><th>params</th></tr>${cand}</table>
${failures ? `<p>Failed:</p><ul>${failures}</ul>` : ''}
<h2>Tuning (validation rows only)</h2><table><tr><th>candidate</th><th>search</th><th>trials / space</th><th>untuned</th><th>best</th><th>best params</th></tr>${tuning}</table>
<table>${valHead}${val}</table>
<h2>Chosen model</h2><p><b>${esc(rec.chosen.name)}</b> (${esc(rec.chosen.kind)}), validation ${esc(m)} ${formatScore(rec.chosen.validation, m)}${rec.threshold ? ` at the decision threshold ${rec.threshold.threshold.toPrecision(3)} (P(class 1) ≥ it → class 1), tuned on ${rec.threshold.on === 'cv' ? 'the pooled out-of-fold predictions of the training rows' : 'the validation rows'} (${formatScore(rec.threshold.atDefault, m)} at 0.5 on validation)` : ''}${rec.chosen.selectedBy === 'cv' && rec.chosen.cv ? `; chosen by its cross-validated ${esc(m)} with the tuned parameters, ${formatScore(rec.chosen.cv.mean, m)} ± ${formatScore(rec.chosen.cv.std, m)}` : ''}; refit on train + validation. Params <code>${fmtParams(rec.chosen.params)}</code>.</p>
<h3>Permutation importance (validation)</h3>${importance}
<h2>Where the model fails (validation)</h2>${errorsHtml(rec.errors, 'validation')}
<h2>Test</h2>${testSection}
</body></html>
`;
}
