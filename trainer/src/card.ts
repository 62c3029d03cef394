import type { CvScore } from './eval/cross-validate.ts';

export interface CardFacts {
  name: string;
  version: number;
  target: string;
  source: string;
  trainRows: number;
  testRows: number;
  seed: number;
  folds: number;
  alpha: number;
  featureOrder: readonly string[];
  cv: { baseline: CvScore; linear: CvScore };
}

const money = (x: number): string => Math.round(x).toLocaleString('en-US');

/** A short model card in Markdown: problem, data, evaluation, limits. */
export function modelCard(f: CardFacts): string {
  const foldRow = (label: string, s: CvScore): string =>
    `| ${label} | ${money(s.mean)} | ${money(s.std)} | ${s.folds.map(money).join(' / ')} |`;
  return `# ${f.name} v${f.version}

## Problem
Regression of \`${f.target}\` (US dollars) per census block group from its raw features.

## Data
- Source: \`${f.source}\` (California housing, 1990 census; Géron, *Hands-On Machine Learning*, ch. 2).
- Stratified split on income category (median_income cut at 1.5, 3, 4.5, 6), 20 % held out, seed ${f.seed}:
  ${f.trainRows} training rows, ${f.testRows} held-out rows. Held-out rows are never used for fitting or cross-validation.

## Model
Ridge regression (α = ${f.alpha}, intercept not penalised) after median imputation and standard scaling of every
numeric feature and one-hot encoding of the string features, all fitted on training rows only and all inside the
ONNX graph. Feature order after preprocessing: ${f.featureOrder.map((n) => `\`${n}\``).join(', ')}.

## Evaluation (${f.folds}-fold cross-validation on the training rows, RMSE in dollars)
| model | mean | std | per fold |
| --- | --- | --- | --- |
${foldRow('mean baseline', f.cv.baseline)}
${foldRow('ridge', f.cv.linear)}

## Limits
- A linear model: it misses the strong non-linear effect of location; expect errors around ${money(f.cv.linear.mean)} dollars.
- Targets are capped at 500,001 in the source data, so the model cannot learn prices above the cap.
- Categories unseen in training (and missing strings) encode as all zeros; missing numbers take the training median.
- 1990 data: prices and geography have changed since; do not use for real valuations.
`;
}
