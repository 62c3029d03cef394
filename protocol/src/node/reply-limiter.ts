/**
 * At most `maxInFlight` tasks running in total and `perKey` per key (the node asking), the rest waiting in
 * one FIFO queue of at most `maxQueued` (docs/ARCHITECTURE.md "Artifact transfer"). A task that
 * cannot run at once and finds the queue full is not taken: `submit` says `busy` and the caller
 * refuses it. A task's slot is freed when its promise settles. A task submitted with the `same`
 * id as one of its key's still waiting (a node asking for a chunk again after a time-out) takes
 * that one's place in line instead of queueing a second reply.
 */
export interface ReplyLimits {
  maxInFlight: number;
  perKey: number;
  maxQueued: number;
}

export interface ReplyLimiterStats {
  inFlight: number;
  queued: number;
  /** The most tasks ever running at once. */
  peakInFlight: number;
  /** The longest the queue has been. */
  peakQueued: number;
  /** Tasks refused because the queue was full. */
  refused: number;
}

export interface ReplyLimiter {
  submit(key: string, task: () => Promise<void>, same?: string): 'started' | 'queued' | 'busy';
  stats(): ReplyLimiterStats;
}

interface Waiting {
  key: string;
  task: () => Promise<void>;
  same?: string | undefined;
}

export function createReplyLimiter(limits: ReplyLimits, onError: (err: unknown) => void): ReplyLimiter {
  // Written so that NaN (or a limit left undefined) is refused too: a limiter with no room never runs a task.
  if (!(limits.maxInFlight >= 1 && limits.perKey >= 1 && limits.maxQueued >= 0))
    throw new RangeError('reply limits must be positive');
  const running = new Map<string, number>();
  const queue: Waiting[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  let peakQueued = 0;
  let refused = 0;

  const mayRun = (key: string): boolean => inFlight < limits.maxInFlight && (running.get(key) ?? 0) < limits.perKey;

  const run = (w: Waiting): void => {
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    running.set(w.key, (running.get(w.key) ?? 0) + 1);
    let done: Promise<void>;
    try {
      done = w.task();
    } catch (err) {
      done = Promise.reject(err);
    }
    done.catch(onError).finally(() => {
      inFlight--;
      const left = (running.get(w.key) ?? 1) - 1;
      if (left === 0) running.delete(w.key);
      else running.set(w.key, left);
      next();
    });
  };

  // The oldest waiting task whose key has room: one busy device does not hold up the others.
  const next = (): void => {
    for (let i = 0; i < queue.length && inFlight < limits.maxInFlight;) {
      const w = queue[i]!;
      if (mayRun(w.key)) {
        queue.splice(i, 1);
        run(w);
      } else i++;
    }
  };

  return {
    submit(key, task, same) {
      if (queue.length === 0 && mayRun(key)) {
        run({ key, task });
        return 'started';
      }
      const earlier = same === undefined ? undefined : queue.find((w) => w.key === key && w.same === same);
      if (earlier) {
        earlier.task = task;
        return 'queued';
      }
      if (queue.length >= limits.maxQueued) {
        refused++;
        return 'busy';
      }
      queue.push({ key, task, same });
      peakQueued = Math.max(peakQueued, queue.length);
      return 'queued';
    },
    stats: () => ({ inFlight, queued: queue.length, peakInFlight, peakQueued, refused }),
  };
}
