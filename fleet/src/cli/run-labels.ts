import { readFileSync } from 'node:fs';
import type { CommandContext } from '@outpost/protocol/node';
import { withMonitor } from './run-monitor-store.ts';

/** `outpost labels import <csv>` (docs/MONITORING.md "Labels"). */
export async function runLabelsImport(file: string, opts: { dataDir: string }, ctx: CommandContext): Promise<void> {
  const text = readFileSync(file, 'utf8');
  const r = await withMonitor(opts.dataDir, (m) => m.importLabels(text));
  ctx.io.out(`imported ${r.imported} labels: ${r.joined} joined to their prediction, ${r.pending} waiting for it`);
}
