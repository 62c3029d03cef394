/**
 * The device-runtime bench's table: per build and engine, each figure as the median over starts with
 * its spread (min–max), and each ratio from the medians with its spread over the paired starts (the
 * device and its anchors of the same round). Markdown, to paste into docs/BENCHMARKS.md.
 */
import { median } from '../lib/table.ts';
import type { Round } from './round.ts';

/** The budgets (bench/device-runtime.ts lists what each one compares). */
export const BUDGETS = { rssMb: 160, inProcess: 1.5, c1: 1.5, c8: 0.8 };

const fmt = (n: number, d: number): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/** `median [min–max]` of one figure over the rounds. */
function figure(rounds: readonly Round[], of: (r: Round) => number, d = 1): string {
  const xs = rounds.map(of);
  if (xs.length === 1) return fmt(xs[0] as number, d);
  return `${fmt(median(xs), d)} [${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}]`;
}

/**
 * A ratio from the medians of its two sides, `[min–max]` of the same ratio in each round, and
 * whether the medians' ratio meets `budget` (`max`: at most; `min`: at least). Bold when it does not.
 */
function ratio(
  rounds: readonly Round[],
  num: (r: Round) => number,
  den: (r: Round) => number,
  budget?: { max?: number; min?: number },
): string {
  const value = median(rounds.map(num)) / median(rounds.map(den));
  const paired = rounds.map((r) => num(r) / den(r));
  const spread = paired.length > 1 ? ` [${fmt(Math.min(...paired), 2)}–${fmt(Math.max(...paired), 2)}]` : '';
  const over = (budget?.max !== undefined && value > budget.max) || (budget?.min !== undefined && value < budget.min);
  return over ? `**${fmt(value, 2)}×**${spread}` : `${fmt(value, 2)}×${spread}`;
}

/** hello-world c=1 plus the bare engine run: the c=1 budget's anchor (µs). */
const c1Anchor = (r: Round): number => r.hello1Us + r.engineUs;
/** 1 / (1/hello_rps + t_engine): the c=8 budget's anchor (req/s). */
const c8Anchor = (r: Round): number => 1 / (1 / r.hello8Rps + r.engineUs / 1e6);

export const HEADER = [
  'build, engine',
  'RSS serving MB ≤ 160',
  'RSS idle MB',
  'heap used / total MB',
  'bare session MB (serving ×)',
  'session.run µs',
  'device.predict µs (×) ≤ 1.5×',
  'first 2,000: predict / run µs',
  'hello c=1 µs',
  'POST c=1 µs (×) ≤ 1.5×',
  'hello c=8 req/s',
  'POST c=8 req/s (×) ≥ 0.8×',
  'fastify + session c=1 µs (device ×)',
  'fastify + session c=8 req/s (device ×)',
];

export function tableHeader(): string {
  return [`| ${HEADER.join(' | ')} |`, `| --- |${' ---: |'.repeat(HEADER.length - 1)}`].join('\n');
}

/** One table row for the rounds of one build and engine. */
export function tableRow(label: string, rounds: readonly Round[]): string {
  const servingMedian = median(rounds.map((r) => r.servingRss));
  const rss = figure(rounds, (r) => r.servingRss);
  const cells = [
    label,
    servingMedian > BUDGETS.rssMb ? `**${rss}**` : rss,
    figure(rounds, (r) => r.idleRss),
    `${figure(rounds, (r) => r.heapUsed)} / ${figure(rounds, (r) => r.heapTotal)}`,
    `${figure(rounds, (r) => r.bareRss)} (${ratio(
      rounds,
      (r) => r.servingRss,
      (r) => r.bareRss,
    )})`,
    `${figure(rounds, (r) => r.engineUs)} (p95 ${figure(rounds, (r) => r.engineP95Us)})`,
    `${figure(rounds, (r) => r.predictUs)} (${ratio(
      rounds,
      (r) => r.predictUs,
      (r) => r.engineUs,
      { max: BUDGETS.inProcess },
    )})`,
    `${figure(rounds, (r) => r.predictWarmUs)} / ${figure(rounds, (r) => r.engineWarmUs)}`,
    figure(rounds, (r) => r.hello1Us),
    `${figure(rounds, (r) => r.c1Us)} (${ratio(rounds, (r) => r.c1Us, c1Anchor, { max: BUDGETS.c1 })})`,
    figure(rounds, (r) => r.hello8Rps, 0),
    `${figure(rounds, (r) => r.c8Rps, 0)} (${ratio(rounds, (r) => r.c8Rps, c8Anchor, { min: BUDGETS.c8 })})`,
    `${figure(rounds, (r) => r.session1Us)} (${ratio(
      rounds,
      (r) => r.c1Us,
      (r) => r.session1Us,
    )})`,
    `${figure(rounds, (r) => r.session8Rps, 0)} (${ratio(
      rounds,
      (r) => r.c8Rps,
      (r) => r.session8Rps,
    )})`,
  ];
  return `| ${cells.join(' | ')} |`;
}

/** What the rounds of one build say beyond the table: request failures and p95 of POST c=1. */
export function footnote(label: string, rounds: readonly Round[]): string {
  const failures = rounds.reduce((n, r) => n + r.failures, 0);
  return `${label}: POST c=1 p95 ${figure(rounds, (r) => r.c1P95Us)} µs; anonymous RSS serving ${figure(
    rounds,
    (r) => r.servingAnon,
  )} MB; failed requests ${failures}`;
}
