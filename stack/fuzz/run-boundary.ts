import fc from 'fast-check';
import type { Boundary, Outcome } from './boundaries.ts';

export interface BoundaryReport {
  name: string;
  cases: number;
  accepted: number;
  /** Refusals by error code. */
  refused: Record<string, number>;
  /** The shrunk counterexample and its error, when the property failed. */
  failure?: string;
}

/** Runs one boundary's property for `numRuns` cases and counts the outcomes. */
export async function runBoundary<T>(b: Boundary<T>, numRuns: number, seed?: number): Promise<BoundaryReport> {
  const report: BoundaryReport = { name: b.name, cases: 0, accepted: 0, refused: {} };
  const count = (o: Outcome): void => {
    report.cases++;
    if (o.accepted) report.accepted++;
    else report.refused[o.code] = (report.refused[o.code] ?? 0) + 1;
  };
  const details = await fc.check(
    fc.asyncProperty(b.input, async (input) => {
      count(await b.run(input));
    }),
    { numRuns, ...(seed !== undefined ? { seed } : {}) },
  );
  if (details.failed) {
    const e = details.errorInstance;
    report.failure = `${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n${fc.defaultReportMessage(details) ?? ''}`;
  }
  return report;
}
