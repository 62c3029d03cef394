/**
 * Timing and table helpers shared by the bench programs (gbdt-vs-sklearn, forest-vs-sklearn, …).
 *
 *   const t = await timeRuns(() => learner.fit(...), 5, { warmup: 1 });   // seconds
 *   printTable([{ side: 'ours', timing: t, metric: 46123, ratio: t.median / sk.median, pass: true }]);
 *
 * All times are in seconds (wall clock, `performance.now`). Percentiles use the nearest-rank
 * method, so with 5 runs p95 is the slowest run.
 */

export interface Timing {
  median: number;
  p95: number;
  min: number;
  /** Every timed run, in run order (warm-up runs excluded). */
  all: number[];
}

/** Nearest-rank percentile (p in [0, 100]) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Summarises already-measured times (e.g. the ones a Python process reports). */
export function summarize(all: readonly number[]): Timing {
  return { median: median(all), p95: percentile(all, 95), min: Math.min(...all), all: all.slice() };
}

/**
 * Runs `fn` `warmup` times untimed (default 1, lets V8 optimise), then `runs` times timed.
 * `fn` may be sync or async; async results are awaited inside the timed span.
 */
export async function timeRuns(fn: () => unknown, runs: number, opts: { warmup?: number } = {}): Promise<Timing> {
  for (let i = 0; i < (opts.warmup ?? 1); i++) await fn();
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    all.push((performance.now() - t0) / 1000);
  }
  return summarize(all);
}

export interface Row {
  /** Who ran: 'ours', 'sklearn', … */
  side: string;
  timing: Timing;
  /** The quality figure compared alongside the time (RMSE, accuracy, …). */
  metric?: number;
  /** Time ratio vs the anchor (ours / reference); blank when absent. */
  ratio?: number;
  /** Whether this row meets its targets; blank when absent. */
  pass?: boolean;
  /** Free text, e.g. the configuration. */
  note?: string;
}

/** Prints an aligned plain-text table: side, median s, p95 s, metric, ratio, pass, note. */
export function printTable(rows: readonly Row[], opts: { metricName?: string; title?: string } = {}): void {
  const head = ['side', 'median s', 'p95 s', opts.metricName ?? 'metric', 'ratio', 'pass', 'note'];
  const body = rows.map((r) => [
    r.side,
    r.timing.median.toFixed(3),
    r.timing.p95.toFixed(3),
    r.metric === undefined ? '' : formatMetric(r.metric),
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.pass === undefined ? '' : r.pass ? 'yes' : 'NO',
    r.note ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) =>
        i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number),
      )
      .join('  ')
      .trimEnd();
  if (opts.title) console.log(opts.title);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

function formatMetric(v: number): string {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(5);
}
