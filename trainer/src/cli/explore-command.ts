/** `outpost explore <spec>`: writes the self-contained HTML data report and prints its warnings. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { exploreSpec } from '../explore/explore-spec.ts';
import { defineExploreCommand, type ExploreOptions } from './index.ts';

/** The action of `outpost explore`. */
export async function exploreAction(specPath: string, options: ExploreOptions): Promise<void> {
  const { summary, html } = exploreSpec(specPath);
  const out = resolve(options.out ?? `reports/${summary.name}-explore.html`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, html);
  if (options.json) {
    console.log(JSON.stringify({ report: out, ...summary }, null, 2));
    return;
  }
  console.log(`report   ${out}`);
  console.log(`rows     ${summary.rows} (${summary.scope})`);
  if (summary.warnings.length === 0) console.log('warnings none');
  for (const w of summary.warnings) console.log(`WARNING  [${w.kind}] ${w.message}`);
}

export function exploreCommand(): Command {
  return defineExploreCommand(exploreAction);
}
