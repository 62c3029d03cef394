/**
 * Progress for long trainer steps. On a terminal, a message carrying "i/n"
 * (CV folds, tuning points, halving rounds) redraws one bar line in place; any other message, or
 * any message when the output is not a terminal (CI, a pipe, a log file), is printed as a
 * timestamped line, so logs stay readable.
 */
export interface ProgressSink {
  (message: string): void;
  /** Ends an open bar line. */
  done(): void;
}

const BAR = 24;

export function progressSink(out: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): ProgressSink {
  const started = now();
  let barOpen = false;
  const stamp = (): string => `[${((now() - started) / 1000).toFixed(1).padStart(6)} s]`;
  const endBar = (): void => {
    if (barOpen) out.write('\n');
    barOpen = false;
  };
  const sink = ((message: string) => {
    const m = /(\d+)\/(\d+)/.exec(message);
    if (out.isTTY && m) {
      const [i, n] = [Number(m[1]), Number(m[2])];
      const filled = n > 0 ? Math.round((BAR * Math.min(i, n)) / n) : 0;
      const line = `${stamp()} [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${message}`;
      out.write(
        `\r${line.slice(0, Math.max(20, (out.columns ?? 120) - 1)).padEnd(Math.min(line.length, (out.columns ?? 120) - 1))}`,
      );
      barOpen = i < n;
      if (!barOpen) out.write('\n');
      return;
    }
    endBar();
    out.write(`${stamp()} ${message}\n`);
  }) as ProgressSink;
  sink.done = endBar;
  return sink;
}
