/**
 * Peak memory of `outpost train` and of `outpost build --from <run>`, per spec: each command runs
 * in its own process (bench/lib/peak-rss.ts) and reports its peak RSS, worker threads included.
 * Target: ≤ 1 GB for every shipped spec.
 *
 *   npx tsx bench/train-memory.ts [--spec firmware-models/housing] [--quick]
 *
 * Default: every `firmware-models/<name>/problem.yaml`. Runs and artifacts go to a temp folder,
 * removed afterwards (the spec's test ledger is not touched: nothing here runs `outpost test`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const LIMIT_MB = 1024;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Measured {
  seconds: number;
  peakMb: number;
  stdout: string;
}

function measure(args: string[]): Measured {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/lib/peak-rss.ts', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - start) / 1000;
  const m = /PEAK_RSS_KB (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`outpost ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return { seconds, peakMb: Number(m[1]) / 1024, stdout: r.stdout };
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const one = arg('spec');
  const specs = one
    ? [one]
    : readdirSync('firmware-models')
        .map((d) => join('firmware-models', d))
        .filter((d) => existsSync(join(d, 'problem.yaml')));
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; target: peak RSS ≤ ${LIMIT_MB} MB${quick ? '; --quick profiles' : ''}\n`,
  );
  console.log('spec                         command   seconds  peak RSS MB  pass');
  for (const spec of specs) {
    const tmp = mkdtempSync(join(tmpdir(), 'train-memory-'));
    try {
      const train = measure(['train', spec, '--runs', join(tmp, 'runs'), '--json', ...(quick ? ['--quick'] : [])]);
      const runDir = (JSON.parse(train.stdout) as { runDir: string }).runDir;
      const build = measure([
        'build',
        '--from',
        runDir,
        '--out',
        join(tmp, 'artifacts'),
        '--keys',
        join(tmp, 'keys'),
        '--json',
      ]);
      for (const [name, m] of [
        ['train', train],
        ['build', build],
      ] as const) {
        console.log(
          `${spec.padEnd(28)} ${name.padEnd(9)} ${m.seconds.toFixed(1).padStart(7)}  ${m.peakMb.toFixed(0).padStart(11)}  ${m.peakMb <= LIMIT_MB ? 'yes' : 'NO'}`,
        );
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

main();
