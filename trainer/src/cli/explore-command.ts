/** `outpost explore <spec>`: writes the self-contained HTML data report and prints its warnings. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { exploreSpec } from '../explore/explore-spec.ts';

interface ExploreOptions {
  out?: string;
  json?: boolean;
}

export function exploreCommand(): Command {
  return new Command('explore')
    .description('explore the data of a problem spec: column statistics, capped values, leakage warnings (HTML report)')
    .argument('<spec>', 'problem spec (firmware-models/<name>/problem.yaml)')
    .option('--out <file>', 'HTML report path (default: reports/<name>-explore.html)')
    .option('--json', 'print the summary as JSON')
    .action((specPath: string, options: ExploreOptions) => {
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
    });
}
