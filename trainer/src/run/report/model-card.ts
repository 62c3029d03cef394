/** The model card (markdown): what the model is for, how it was chosen, how good it is, where it fails. */
import type { RunRecord, TestRecord } from '../run-dir.ts';
import { formatScore, formatTable } from '../select.ts';

const round = (v: number): number => Number(v.toPrecision(4));

/** A chosen stacking ensemble: how its meta-learner was fitted. */
function stackLines(rec: RunRecord): string[] {
  const row = rec.validation.find((v) => v.name === rec.chosen.name);
  const s = row?.stack;
  if (!row?.members || !s) return [];
  return [
    '',
    `Stacking of ${row.members.join(' + ')}: a ${s.learner === 'nnls' ? 'non-negative least-squares' : 'logistic-regression'} meta-learner fitted on the members' out-of-fold predictions of the ${s.trainingRows} training rows (${s.folds} folds; no validation or test row); weights ${JSON.stringify(s.weights.map((w) => w.map(round)))}, intercept ${JSON.stringify(s.intercept.map(round))}. The members are refit on train + validation; the meta-learner is kept.`,
  ];
}

/** How the model was chosen when it is not the plain default: grouped folds, feature sets, selection by CV. */
function selectionLines(rec: RunRecord): string[] {
  const out: string[] = [];
  const { cv } = rec.spec;
  if (cv.group)
    out.push(`- CV folds keep each ${cv.group.by === 'day' ? 'day' : 'value'} of \`${cv.group.column}\` whole.`);
  const sets = rec.featureSets ?? [];
  if (sets.length > 1) {
    const list = sets
      .map(
        (f) =>
          `${f.name} (${f.features.join(', ')}): ${f.best ? `${f.best.name} ${formatScore(f.best.cv.mean, rec.metric)}` : '—'}`,
      )
      .join('; ');
    out.push(`- Feature set kept: **${rec.chosen.featureSet}**, by the best CV candidate of each set — ${list}.`);
  }
  const budget = rec.spec.constraints?.max_model_bytes;
  if (budget !== undefined) {
    const over = rec.validation
      .filter((v) => v.bytes !== undefined && v.bytes > budget)
      .map((v) => `${v.name} (${(v.bytes as number).toLocaleString('en-US')} B)`);
    out.push(
      `- Size budget ${budget.toLocaleString('en-US')} B for model.onnx${over.length > 0 ? `; not chosen for size: ${over.join(', ')}` : '; every candidate fit'}.`,
    );
  }
  const latency = rec.spec.constraints?.max_latency_us;
  if (latency !== undefined) {
    const us = (x: number): string => `${Math.round(x).toLocaleString('en-US')} µs`;
    const rows = rec.validation.filter((v) => v.latencyUs !== undefined);
    const over = rows
      .filter((v) => (v.latencyUs as number) > latency)
      .map((v) => `${v.name} (${us(v.latencyUs as number)})`);
    out.push(
      `- Latency budget ${us(latency)} batch-1 median in onnxruntime-web (measured where it trained): ${rows.map((v) => `${v.name} ${us(v.latencyUs as number)}`).join(', ')}${over.length > 0 ? `; not chosen for latency: ${over.join(', ')}` : '; every candidate fit'}.`,
    );
  }
  if (rec.chosen.selectedBy === 'cv' && rec.chosen.cv)
    out.push(
      `- Chosen by its CV ${rec.metric} with the tuned parameters: ${formatScore(rec.chosen.cv.mean, rec.metric)} ± ${formatScore(rec.chosen.cv.std, rec.metric)}.`,
    );
  return out.length > 0 ? ['', ...out] : [];
}

export function renderModelCard(rec: RunRecord, tests: readonly TestRecord[]): string {
  const m = rec.metric;
  const spec = rec.spec;
  const test = tests.find((t) => t.set === 'test');
  const decision = test ? test.decision : rec.decision;
  const lines = [
    `# Model card: ${rec.name}`,
    '',
    `**Decision: ${decision.go ? 'GO' : 'NO-GO'}** (${test ? 'final, locked test set' : 'provisional, validation rows — `outpost test` not run yet'})`,
    ...decision.reasons.map((r) => `- ${r}`),
    '',
    '## Intended use',
    spec.objective.trim(),
    '',
    `Task: ${spec.task}; target \`${spec.target.column}\`; metric ${m}.`,
    ...(spec.assumptions.length > 0 ? ['', '## Assumptions', ...spec.assumptions.map((a) => `- ${a}`)] : []),
    '',
    '## Data',
    `${rec.rows.train} training, ${rec.rows.validation} validation, ${rec.rows.test} locked test rows. Seed ${rec.seed}.`,
    ...rec.explore.warnings.map((w) => `- ⚠ ${w.message}`),
    '',
    '## Model',
    `${rec.chosen.name} (${rec.chosen.kind}), params \`${JSON.stringify(rec.chosen.params)}\`, refit on train + validation.`,
    ...selectionLines(rec),
    ...stackLines(rec),
    '',
    '## Candidates (CV)',
    '```',
    ...formatTable(rec.table, m),
    '```',
    '',
    '## Performance',
    `- validation ${m}: ${formatScore(rec.chosen.validation, m)} (baseline ${formatScore(rec.baseline.validation, m)})`,
    ...(rec.threshold
      ? [
          `- decision threshold ${rec.threshold.threshold.toPrecision(3)}: class 1 when P(class 1) ≥ it; tuned on ${rec.threshold.on === 'cv' ? 'the pooled out-of-fold predictions of the training rows' : 'the validation rows'} to maximise ${rec.threshold.metric} (${formatScore(rec.threshold.atDefault, m)} at 0.5 on validation)${rec.threshold.on === 'cv' ? '' : ', so the validation score above is optimistic'}; the test set scores labels at this threshold`,
        ]
      : []),
    ...tests.map(
      (t) =>
        `- ${t.set} ${t.metric}: ${formatScore(t.value, t.metric)} (95% CI ${formatScore(t.ci[0], t.metric)} – ${formatScore(t.ci[1], t.metric)}), ${t.rows} rows, baseline ${formatScore(t.baseline, t.metric)}${t.evaluation && t.evaluation > 1 ? ` — **evaluation #${t.evaluation} of this test set (a repeat): optimistic, see the ledger**` : ''}`,
    ),
    '',
    '## Known weaknesses',
    ...((test ?? rec).errors.findings.length > 0
      ? (test ?? rec).errors.findings.map((f) => `- ${f}`)
      : ['- no segment is more than 10% worse than overall']),
    '',
  ];
  return lines.join('\n');
}
