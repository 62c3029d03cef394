import mqemitter from 'mqemitter';

/** Deliveries started in one synchronous cascade before the rest go to the next turn of the event loop. */
export const MAX_SYNC_DELIVERIES = 256;

type Parallel = (that: unknown, matches: unknown, message: unknown, callback: unknown) => void;

/**
 * The embedded broker's message emitter (aedes' `mq`): mqemitter with aedes' settings, but never
 * deeper than MAX_SYNC_DELIVERIES frames. When more messages are in flight than its concurrency,
 * mqemitter queues them, and each finished delivery starts the next one from inside its own
 * callback; with subscribers that finish synchronously, a backlog of thousands drains as one
 * recursion and the process dies with "Maximum call stack size exceeded" (seen under a soak of 400
 * devices at load 20: three gateways crashed). Past the bound, the next delivery starts on
 * `setImmediate` and the stack unwinds. Order is kept: mqemitter starts queued messages one at a
 * time, in order, and so does this.
 */
export function boundedDepthEmitter(concurrency: number): mqemitter.MQEmitter {
  const mq = mqemitter({ concurrency, matchEmptyLevels: true });
  // mqemitter has no option for this; `_parallel` is where each delivery starts.
  const inner = mq as unknown as { _parallel: Parallel };
  const parallel = inner._parallel;
  let depth = 0;
  const start: Parallel = function (this: unknown, that, matches, message, callback) {
    if (depth >= MAX_SYNC_DELIVERIES) {
      setImmediate(() => start.call(this, that, matches, message, callback));
      return;
    }
    depth++;
    try {
      parallel.call(this, that, matches, message, callback);
    } finally {
      depth--;
    }
  };
  inner._parallel = start;
  return mq;
}
