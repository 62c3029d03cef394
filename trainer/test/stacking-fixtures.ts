/** A stacking ensemble of fitted members on the export fixture, for the export / parity / revive tests. */
import type { Task } from '../src/models/learner.ts';
import { stackFeatures, StackingModel } from '../src/learners/stacking/model.ts';
import { fitStackMeta } from '../src/run/stacking.ts';
import { fitKind, type Fixture } from './export-fixtures.ts';

export const STACK_MEMBERS: Record<Task, string[]> = {
  regression: ['linear', 'gbdt', 'mlp'],
  binary: ['logistic', 'forest', 'mlp'],
  multiclass: ['logistic', 'gbdt', 'mlp'],
};

/**
 * Members fitted on the fixture's rows and a meta-learner fitted on their predictions of the same
 * rows (a training run uses out-of-fold predictions; the graph does not care how the weights came).
 */
export async function fitStacking(f: Fixture, task: Task, seed = 3): Promise<StackingModel> {
  const members = [];
  for (const kind of STACK_MEMBERS[task]) members.push(await fitKind(f, kind, task, seed));
  const width = task === 'multiclass' ? 3 : 1;
  const x = stackFeatures(
    members.map((m) => m.predict(f.x)),
    f.x.rows,
    width,
  );
  const meta = await fitStackMeta(task, x, f.targets[task], { seed, classes: task === 'multiclass' ? 3 : 2 });
  return new StackingModel(members, meta);
}
