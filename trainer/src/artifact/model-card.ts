/**
 * A model card (Markdown) for any spec-trained model: problem, inputs, preprocessing, model,
 * metrics, outputs and the documented edge behaviour. Deterministic text (no clock, no locale),
 * so a rebuild gives the same bytes.
 */
import type { Manifest } from '@outpost/protocol';
import type { TrainedModel } from '../model/trained-model.ts';

const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(6));

function stepLine(s: TrainedModel['pipeline']['steps'][number]): string {
  switch (s.op) {
    case 'impute':
      return `impute \`${s.column}\` with ${JSON.stringify(s.fill)}${s.indicator ? ` (indicator \`${s.indicator}\`)` : ''}`;
    case 'clip':
      return `clip \`${s.column}\` to [${num(s.lo)}, ${num(s.hi)}]`;
    case 'ratio':
      return `\`${s.name}\` = \`${s.numerator}\` / \`${s.denominator}\` (undefined → ${num(s.fallback)})`;
    case 'log':
      return `log of \`${s.column}\``;
    case 'bin':
      return `\`${s.name}\`: bins of \`${s.column}\``;
    case 'rotate':
      return `\`${s.name}\`: rotated \`${s.x}\`, \`${s.y}\``;
    case 'cluster_similarity':
      return `\`${s.name}_0\` … \`${s.name}_${s.centres.length - 1}\`: similarity exp(−${num(s.gamma)}·d²) to ${s.centres.length} k-means centres of ${s.columns.map((c) => `\`${c}\``).join(', ')}`;
    case 'capped':
      return `\`${s.name}\`: \`${s.column}\` ≥ ${num(s.cap)}`;
    case 'ordinal':
      return `ordinal encoding of \`${s.column}\``;
    case 'onehot':
      return `one-hot \`${s.column}\` (${s.categories.length} categories)`;
    case 'scale':
      return 'standard scaling of every design column';
  }
}

export function specModelCard(
  t: TrainedModel,
  m: Pick<Manifest, 'version' | 'parentVersion' | 'outputs' | 'metrics' | 'trainingData'>,
): string {
  const inputs = t.inputs.map(
    (i) =>
      `| \`${i.name}\` | ${i.type} | ${i.range ? `${num(i.range[0])} … ${num(i.range[1])}` : ''} | ${i.categories ? i.categories.map((c) => `\`${c}\``).join(', ') : ''} |`,
  );
  const metrics = Object.entries(m.metrics).map(
    ([k, v]) => `| ${k} | ${v.metric} | ${num(v.value)} | ${v.ci95 ? `${num(v.ci95[0])} … ${num(v.ci95[1])}` : ''} |`,
  );
  const outputs = m.outputs.map(
    (o) => `- \`${o.name}\` ${o.type} [${o.shape.join(', ')}]${o.description ? `: ${o.description}` : ''}`,
  );
  return `# ${t.name} v${m.version}

## Problem
${t.task} model trained from its problem spec; ${t.classes ? `classes in index order: ${t.classes.map((c) => `\`${c}\``).join(', ')}.` : 'the output is the predicted value.'}
${m.parentVersion === null ? 'First version.' : `Previous version: v${m.parentVersion}.`}

## Data
- Source: \`${m.trainingData.source}\`, ${m.trainingData.rows} training rows, fingerprint \`${m.trainingData.fingerprint}\`.

## Inputs (raw, as a device sends them)
| name | type | training range | categories |
| --- | --- | --- | --- |
${inputs.join('\n')}

## Preprocessing (inside the ONNX graph)
${t.pipeline.steps.map((s) => `- ${stepLine(s)}`).join('\n')}

## Model
\`${t.model.kind}\`, seed ${t.seed}, parameters \`${JSON.stringify(t.params)}\`.

## Metrics
| name | metric | value | 95% CI |
| --- | --- | --- | --- |
${metrics.join('\n')}

## Outputs
${outputs.join('\n')}

## Behaviour on unusual inputs
- A missing number (NaN, ±∞, null) takes the imputation the pipeline fitted on the training rows.
- A missing or unseen category encodes as all zeros in its one-hot block (unless the spec imputes it).
- Values outside the training range are not clipped unless the spec says so: expect extrapolation.
`;
}
