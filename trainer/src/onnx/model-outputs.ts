/**
 * What the exported graph outputs, computed in process (golden examples, parity tests) and declared
 * for the manifest. Mirrors export-model.ts: probabilities are the model's predictions (binary:
 * [1 − p, p]); the label is what the graph computes from float32 values — binary: P(1) ≥ the
 * decision threshold (default 0.5),
 * multiclass: argmax, first maximum on ties.
 */
import type { Manifest } from '@outpost/protocol';
import type { RawRecord, TrainedModel } from '../model/trained-model.ts';
import { transformRecords } from '../preprocess/spec-pipeline.ts';
import { LABEL, PREDICTION, PROBABILITIES, classCountOf, labelThreshold } from './export-model.ts';

type Output = Manifest['outputs'][number];
export type ModelOutputs = Record<string, number[][]>;

export function outputSpecs(t: Pick<TrainedModel, 'task' | 'classes' | 'threshold'>): Output[] {
  if (t.task === 'regression') return [{ name: PREDICTION, type: 'float', shape: [1] }];
  const k = classCountOf(t);
  const names = t.classes && t.classes.length === k ? ` (${t.classes.join(', ')})` : '';
  return [
    {
      name: LABEL,
      type: 'int64',
      shape: [1],
      description: `index of the predicted class${names}${t.task === 'binary' && t.threshold !== undefined ? `: 1 when P(class 1) ≥ ${t.threshold} (decision threshold tuned on the validation rows)` : ''}`,
    },
    {
      name: PROBABILITIES,
      type: 'float',
      shape: [k],
      description: `probability of each class, in class-index order${names}`,
    },
  ];
}

/** The output whose first value is "the prediction" for telemetry. */
export function predictionOutputOf(task: TrainedModel['task']): string {
  return task === 'regression' ? PREDICTION : LABEL;
}

/** Per record, each output's values (float64 predictions; labels as the graph computes them). */
export function modelOutputs(
  t: Pick<TrainedModel, 'task' | 'classes' | 'pipeline' | 'model' | 'threshold'>,
  records: readonly RawRecord[],
): ModelOutputs {
  const p = t.model.predict(transformRecords(t.pipeline, records));
  const n = records.length;
  if (t.task === 'regression') return { [PREDICTION]: Array.from({ length: n }, (_, i) => [p[i] as number]) };
  const k = classCountOf(t);
  const probabilities = Array.from({ length: n }, (_, i) =>
    t.task === 'binary' ? [1 - (p[i] as number), p[i] as number] : Array.from(p.subarray(i * k, (i + 1) * k)),
  );
  const cut = labelThreshold(t);
  const label = probabilities.map((row) => {
    if (t.task === 'binary') return [Math.fround(row[1] as number) >= cut ? 1 : 0];
    let best = 0;
    for (let c = 1; c < row.length; c++) if (Math.fround(row[c] as number) > Math.fround(row[best] as number)) best = c;
    return [best];
  });
  return { [LABEL]: label, [PROBABILITIES]: probabilities };
}
