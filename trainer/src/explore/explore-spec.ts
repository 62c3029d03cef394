/**
 * Explore a spec's data without looking at its test set's target: a 'test' source's target is left
 * out, and when the test rows come from the split, the same seeded split sets them aside first —
 * the same rows the trainer will lock away. Column statistics and warnings use the training and
 * validation rows. For a split by time the test period's FEATURES (never its target) are compared
 * with the training period's for drift (drift.ts), and the report says so; runs of one value are
 * looked for in time order.
 */
import { loadSpecData, takeTableRows, type Table } from '../data/load.ts';
import { splitThreeWay } from '../data/split3.ts';
import { rowTimes } from '../data/time.ts';
import { loadSpec, type LoadedSpec } from '../spec/load-spec.ts';
import { renderExploreHtml } from './html.ts';
import { exploreSummary, type ExploreContext, type ExploreSummary } from './summary.ts';

export interface Exploration {
  loaded: LoadedSpec;
  table: Table;
  summary: ExploreSummary;
  html: string;
}

const byIndex = (a: number, b: number): number => a - b;

/** `table` without the `target` column: what explore may see of the locked test rows. */
function featuresOnly(table: Table, target: string): Table {
  return { ...table, columns: table.columns.filter((c) => c.name !== target) };
}

export function exploreSpec(specPath: string): Exploration {
  const loaded = loadSpec(specPath);
  const { spec } = loaded;
  const data = loadSpecData(loaded);
  const s = splitThreeWay(data.train, spec.split, spec.seed, { testFromSource: data.test !== undefined });
  const explored = [...s.train, ...s.validation].sort(byIndex);
  const table = data.test ? data.train : takeTableRows(data.train, explored);
  let scope = data.test
    ? 'the training sources; the test source is not looked at'
    : `training + validation rows; the ${s.test.length} test rows the split locks away are not looked at`;
  const context: ExploreContext = {};
  if (spec.split.method === 'time') {
    const times = rowTimes(table, spec.split);
    context.order = Array.from({ length: table.rowCount }, (_, i) => i).sort(
      (a, b) => (times[a] as number) - (times[b] as number) || a - b,
    );
    const testRows = data.test ?? (s.test.length > 0 ? takeTableRows(data.train, s.test) : undefined);
    context.periods = {
      train: takeTableRows(data.train, s.train),
      ...(s.validation.length > 0 ? { validation: takeTableRows(data.train, s.validation) } : {}),
      ...(testRows ? { test: featuresOnly(testRows, spec.target.column) } : {}),
    };
    if (testRows) {
      rowTimes(testRows, spec.split); // an unparseable time in the test source fails here too
      scope = data.test
        ? "the training sources; of the test source only the features are read, to compare with the training period's (drift) — its target is never read"
        : `training + validation rows; of the ${s.test.length} test rows the split locks away only the features are read, to compare with the training period's (drift) — their target is never read`;
    }
  }
  const summary = exploreSummary(spec, table, scope, context);
  return { loaded, table, summary, html: renderExploreHtml(summary) };
}
