import { CliErrorCodes, OutpostError, normal, type FeatureValue, type Rng } from '@outpost/protocol';

/**
 * Sensor faults a simulation injects into rows (docs/DEVICE.md "Simulated sensors"), each on one
 * feature over a range of rows: the failure modes monitoring must notice.
 */
export type Fault =
  /** Adds `by` to the value (a drifted calibration). */
  | { kind: 'shift'; feature: string; by: number }
  /** Multiplies the value (a unit or gain change). */
  | { kind: 'scale'; feature: string; factor: number }
  /** Adds normal noise with standard deviation `sd`. */
  | { kind: 'noise'; feature: string; sd: number }
  /** Repeats one value: `value`, or the first value seen once the fault starts (a stuck sensor). */
  | { kind: 'stuck'; feature: string; value?: number }
  /** Drops the value (null) with probability `rate` (a flaky wire). */
  | { kind: 'dropout'; feature: string; rate: number }
  /** Adds ±`magnitude` with probability `rate` (electrical spikes). */
  | { kind: 'spike'; feature: string; rate: number; magnitude: number }
  /** Replaces the value with a category never seen in training, with probability `rate`. */
  | { kind: 'category'; feature: string; value: string; rate: number };

export interface ScheduledFault {
  fault: Fault;
  /** First row (0-based, counted from the start of the source) the fault applies to. */
  from: number;
  /** Row after the last it applies to; absent = to the end. */
  until?: number;
}

/** Applies the scheduled faults to one row (row index `i`), mutating and returning it. */
export class FaultInjector {
  private readonly stuck = new Map<ScheduledFault, FeatureValue>();

  constructor(
    private readonly faults: readonly ScheduledFault[],
    private readonly rng: Rng,
  ) {}

  apply(row: Record<string, FeatureValue>, i: number): Record<string, FeatureValue> {
    for (const s of this.faults) {
      if (i < s.from || (s.until !== undefined && i >= s.until)) continue;
      const f = s.fault;
      const v = row[f.feature];
      switch (f.kind) {
        case 'shift':
          if (typeof v === 'number') row[f.feature] = v + f.by;
          break;
        case 'scale':
          if (typeof v === 'number') row[f.feature] = v * f.factor;
          break;
        case 'noise':
          if (typeof v === 'number') row[f.feature] = v + f.sd * normal(this.rng);
          break;
        case 'stuck': {
          if (!this.stuck.has(s)) this.stuck.set(s, f.value ?? v ?? null);
          row[f.feature] = this.stuck.get(s) ?? null;
          break;
        }
        case 'dropout':
          if (this.rng() < f.rate) row[f.feature] = null;
          break;
        case 'spike':
          if (typeof v === 'number' && this.rng() < f.rate)
            row[f.feature] = v + (this.rng() < 0.5 ? -1 : 1) * f.magnitude;
          break;
        case 'category':
          if (this.rng() < f.rate) row[f.feature] = f.value;
          break;
      }
    }
    return row;
  }
}

const FAULT_SYNTAX =
  'kind:feature[=arg[,arg]]@from[-until], e.g. stuck:CO2@100, shift:Temperature=3@500-900, dropout:Light=0.2@0, spike:CO2=0.05,400@0, category:room=attic,0.1@0';

/**
 * Reads a fault from its command-line form (`--fault`), e.g. `stuck:CO2@100` or
 * `spike:CO2=0.05,400@0-1000`; a malformed one is OUTPOST_ERR_CLI_ARGS naming the syntax.
 */
export function parseFault(text: string): ScheduledFault {
  const bad = (why: string): OutpostError =>
    new OutpostError(CliErrorCodes.CLI_ARGS, `--fault ${JSON.stringify(text)}: ${why} (${FAULT_SYNTAX})`, {
      details: { option: '--fault', value: text },
    });
  const m = /^([a-z]+):([^=@]+)(?:=([^@]*))?@(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw bad('not a fault');
  const [, kind, feature, argText, fromText, untilText] = m as unknown as [
    string,
    string,
    string,
    string | undefined,
    string,
    string | undefined,
  ];
  const args = argText === undefined || argText === '' ? [] : argText.split(',');
  const num = (i: number, name: string, check: (n: number) => boolean = Number.isFinite): number => {
    const n = Number(args[i]);
    if (args[i] === undefined || !check(n)) throw bad(`${kind} needs ${name}`);
    return n;
  };
  const rate = (i: number): number => num(i, 'a rate in [0, 1]', (n) => n >= 0 && n <= 1);
  let fault: Fault;
  switch (kind) {
    case 'shift':
      fault = { kind, feature, by: num(0, 'an amount') };
      break;
    case 'scale':
      fault = { kind, feature, factor: num(0, 'a factor') };
      break;
    case 'noise':
      fault = { kind, feature, sd: num(0, 'a standard deviation ≥ 0', (n) => n >= 0) };
      break;
    case 'stuck':
      fault = args.length > 0 ? { kind, feature, value: num(0, 'a value') } : { kind, feature };
      break;
    case 'dropout':
      fault = { kind, feature, rate: rate(0) };
      break;
    case 'spike':
      fault = { kind, feature, rate: rate(0), magnitude: num(1, 'a magnitude') };
      break;
    case 'category':
      if (!args[0]) throw bad('category needs a value');
      fault = { kind, feature, value: args[0], rate: args.length > 1 ? rate(1) : 1 };
      break;
    default:
      throw bad(`unknown kind ${kind}`);
  }
  const from = Number(fromText);
  const until = untilText === undefined ? undefined : Number(untilText);
  if (until !== undefined && until <= from) throw bad('until must be after from');
  return { fault, from, ...(until !== undefined ? { until } : {}) };
}
