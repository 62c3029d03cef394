/**
 * Runs one trainer command (`train …`, `build …`) in this process and prints its peak resident
 * set size last on stderr as `PEAK_RSS_KB <n>` (worker threads included: they share the process).
 * bench/train-memory.ts starts one of these per measured command.
 */
import { Command } from 'commander';
import { trainerCommands } from '@outpost/trainer/cli';

const program = new Command('outpost');
for (const c of trainerCommands()) program.addCommand(c);
await program.parseAsync(process.argv.slice(2), { from: 'user' });
process.stderr.write(`\nPEAK_RSS_KB ${process.resourceUsage().maxRSS}\n`);
