import mqemitter from 'mqemitter';
import { describe, expect, it } from 'vitest';
import { boundedDepthEmitter } from '../src/node/broker-queue.ts';

/**
 * A backlog behind one slow delivery: concurrency 1, the first message's subscriber holds its
 * callback, `n` more queue up; releasing it drains the queue with subscribers that finish at once.
 */
async function drainBacklog(mq: mqemitter.MQEmitter, n: number): Promise<number[]> {
  const seen: number[] = [];
  let hold: (() => void) | undefined;
  mq.on('t', (message, done) => {
    const i = message.i as number;
    seen.push(i);
    if (i === 0) hold = done;
    else done();
  });
  await new Promise<void>((r) => setImmediate(r)); // on() registers on the next turn
  for (let i = 0; i <= n; i++) mq.emit({ topic: 't', i });
  expect(seen).toEqual([0]);
  (hold as () => void)();
  while (seen.length < n + 1) await new Promise<void>((r) => setImmediate(r));
  return seen;
}

describe('the embedded broker’s message emitter', () => {
  it('plain mqemitter overflows the stack draining a backlog (why the bound exists)', async () => {
    await expect(drainBacklog(mqemitter({ concurrency: 1 }), 20_000)).rejects.toThrow(RangeError);
  });

  it('drains a backlog of 20,000 in order without overflowing the stack', async () => {
    const seen = await drainBacklog(boundedDepthEmitter(1), 20_000);
    expect(seen).toHaveLength(20_001);
    expect(seen.every((v, i) => v === i)).toBe(true);
  });
});
