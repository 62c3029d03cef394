/**
 * How long an `outpost` command takes to start when it has nothing heavy to do (`--help`, a usage
 * error, `--version`), against the anchor of running nothing under the same launcher (tsx): each
 * command is a fresh process, timed wall clock from spawn to exit.
 *
 *   npx tsx bench/cli-startup.ts [--runs 15] [--root <checkout>]
 *
 * `--root` runs the commands of another checkout (e.g. an older commit) for a before/after
 * comparison. Rounds interleave the cases so that a change in the machine's load hits all alike.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { printTable, summarize, type Row } from './lib/table.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '15' }, root: { type: 'string' } },
});
const runs = Number(values.runs);
const root = resolve(values.root ?? join(import.meta.dirname, '..'));
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const cli = join(root, 'bin', 'outpost.ts');

interface Case {
  name: string;
  cmd: string;
  args: string[];
  /** The exit code the command must end with (so a broken command is not timed as a fast one). */
  exit: number;
  /** The anchor of its group: the ratio column divides by its median. */
  anchor?: boolean;
  group: 'npx' | 'tsx';
}

const cases: Case[] = [
  { group: 'npx', name: "anchor: npx tsx -e ''", cmd: 'npx', args: ['tsx', '-e', ''], exit: 0, anchor: true },
  { group: 'npx', name: 'npx tsx bin/outpost.ts --help', cmd: 'npx', args: ['tsx', cli, '--help'], exit: 0 },
  { group: 'tsx', name: "anchor: tsx -e ''", cmd: tsx, args: ['-e', ''], exit: 0, anchor: true },
  { group: 'tsx', name: 'outpost --help', cmd: tsx, args: [cli, '--help'], exit: 0 },
  { group: 'tsx', name: 'outpost --version', cmd: tsx, args: [cli, '--version'], exit: 0 },
  { group: 'tsx', name: 'outpost device --help', cmd: tsx, args: [cli, 'device', '--help'], exit: 0 },
  { group: 'tsx', name: 'outpost train --help', cmd: tsx, args: [cli, 'train', '--help'], exit: 0 },
  // A usage error is found before any tier loads (exit 2 now; the older CLI exited 1).
  {
    group: 'tsx',
    name: 'outpost assign gw1 m 0 (usage error)',
    cmd: tsx,
    args: [cli, 'assign', 'gw1', 'm', '0'],
    exit: -1,
  },
];

function once(c: Case): Promise<number> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(c.cmd, c.args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (c.exit >= 0 && code !== c.exit) fail(new Error(`${c.name} exited ${code}: ${err}`));
      else if (c.exit < 0 && code === 0) fail(new Error(`${c.name} should have failed`));
      else done(seconds);
    });
  });
}

console.log(
  `cli-startup: ${root}, ${runs} runs after 1 warm-up, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const c of cases) await once(c);
const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
for (let r = 0; r < runs; r++) {
  const order = r % 2 === 0 ? cases : [...cases].reverse();
  for (const c of order) times.get(c)?.push(await once(c));
}
const rows: Row[] = [];
for (const group of ['npx', 'tsx'] as const) {
  const inGroup = cases.filter((c) => c.group === group);
  const anchor = summarize(times.get(inGroup.find((c) => c.anchor) as Case) as number[]);
  for (const c of inGroup) {
    const timing = summarize(times.get(c) as number[]);
    rows.push({ side: c.name, timing, ratio: timing.median / anchor.median });
  }
}
printTable(rows, { title: 'seconds from spawn to exit' });
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
