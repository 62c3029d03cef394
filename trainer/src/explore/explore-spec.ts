/**
 * Explore a spec's data without looking at its test set: a 'test' source is left out, and when the
 * test rows come from the split, the same seeded split drops them first — the same rows the
 * trainer will lock away.
 */
import { loadSpecData, takeTableRows, type Table } from '../data/load.ts';
import { splitThreeWay } from '../data/split3.ts';
import { loadSpec, type LoadedSpec } from '../spec/load-spec.ts';
import { renderExploreHtml } from './html.ts';
import { exploreSummary, type ExploreSummary } from './summary.ts';

export interface Exploration {
  loaded: LoadedSpec;
  table: Table;
  summary: ExploreSummary;
  html: string;
}

export function exploreSpec(specPath: string): Exploration {
  const loaded = loadSpec(specPath);
  const data = loadSpecData(loaded);
  let table = data.train;
  let scope = 'the training sources; the test sources are not looked at';
  if (!data.test) {
    const s = splitThreeWay(data.train, loaded.spec.split, loaded.spec.seed);
    table = takeTableRows(
      data.train,
      [...s.train, ...s.validation].sort((a, b) => a - b),
    );
    scope = `training + validation rows; the ${s.test.length} test rows the split locks away are not looked at`;
  }
  const summary = exploreSummary(loaded.spec, table, scope);
  return { loaded, table, summary, html: renderExploreHtml(summary) };
}
