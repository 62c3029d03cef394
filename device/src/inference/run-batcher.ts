import type { FeatureValue } from '@outpost/protocol';
import type { OutputData, RunResult } from './engine.ts';

type Rows = Record<string, FeatureValue>[];

/** Rows one engine run takes at most when requests are joined (a single larger request runs alone). */
export const MAX_BATCH_ROWS = 1024;

interface Waiting {
  rows: Rows;
  resolve(result: RunResult): void;
  reject(err: unknown): void;
}

/**
 * Joins the runs asked of one session while another is in flight into one engine run
 * (docs/DEVICE.md "Serving under load"). An idle session runs a request at once, so a lone request
 * waits for nothing; requests that arrive meanwhile wait for that run, then go together — an engine
 * run of 8 rows costs little more than a run of 1. At most one run is in flight, so a backend that
 * must not overlap runs on one session (onnxruntime-web) needs nothing more.
 *
 * Each request gets its own rows' slice of every output. When a joined run fails, its requests are
 * run again one by one, so only the request the engine refuses fails.
 */
export class RunBatcher {
  private waiting: Waiting[] = [];
  private busy = false;
  /** Who waits for the session to go idle (`idle()`). */
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly runRows: (rows: Rows) => Promise<RunResult>,
    private readonly maxRows = MAX_BATCH_ROWS,
  ) {}

  run(rows: Rows): Promise<RunResult> {
    if (this.busy)
      return new Promise<RunResult>((resolve, reject) => {
        this.waiting.push({ rows, resolve, reject });
      });
    this.busy = true;
    const alone = this.runRows(rows);
    alone.then(this.next, this.next);
    return alone;
  }

  /** Resolves once every run asked so far has been answered. */
  async idle(): Promise<void> {
    if (this.busy) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** After a run: the requests that waited for it go next, together. */
  private readonly next = (): void => {
    if (this.waiting.length > 0) void this.drain();
    else this.finish();
  };

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) await this.runBatch(this.take());
    } finally {
      this.finish();
    }
  }

  private finish(): void {
    this.busy = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The waiting requests that fit in one run, oldest first (always at least one). */
  private take(): Waiting[] {
    let rows = 0;
    let n = 0;
    while (n < this.waiting.length) {
      const next = (this.waiting[n] as Waiting).rows.length;
      if (n > 0 && rows + next > this.maxRows) break;
      rows += next;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  private async runBatch(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return this.runAlone(batch[0] as Waiting);
    const all: Rows = [];
    for (const w of batch) for (const row of w.rows) all.push(row);
    let result: RunResult;
    try {
      result = await this.runRows(all);
    } catch {
      for (const w of batch) await this.runAlone(w);
      return;
    }
    let offset = 0;
    for (const w of batch) {
      try {
        w.resolve(sliceResult(result, all.length, offset, w.rows.length));
      } catch (err) {
        w.reject(err);
      }
      offset += w.rows.length;
    }
  }

  private async runAlone(w: Waiting): Promise<void> {
    try {
      w.resolve(await this.runRows(w.rows));
    } catch (err) {
      w.reject(err);
    }
  }
}

/** Rows [offset, offset + n) of a run over `total` rows: every output is flattened row-major. */
function sliceResult(result: RunResult, total: number, offset: number, n: number): RunResult {
  const outputs: Record<string, OutputData> = {};
  for (const name in result.outputs) {
    const data = result.outputs[name] as OutputData;
    const k = data.length / total;
    const from = offset * k;
    const to = (offset + n) * k;
    outputs[name] = Array.isArray(data) ? data.slice(from, to) : (data as Float64Array).subarray(from, to);
  }
  return { outputs, predictions: result.predictions.slice(offset, offset + n) };
}
