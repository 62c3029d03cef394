import { describe, expect, it } from 'vitest';
import { createReplyLimiter } from '../src/node/reply-limiter.ts';

/** A task that runs until the test releases it. */
function held(log: string[], name: string): { task: () => Promise<void>; release: () => void } {
  let release = (): void => {};
  const done = new Promise<void>((r) => (release = r));
  return {
    task: () => {
      log.push(name);
      return done;
    },
    release,
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('reply limiter', () => {
  it('runs at most maxInFlight in total and perKey per key, the rest in FIFO order as slots free', async () => {
    const ran: string[] = [];
    const limiter = createReplyLimiter({ maxInFlight: 2, perKey: 1, maxQueued: 10 }, () => {});
    const a1 = held(ran, 'a1');
    const a2 = held(ran, 'a2');
    const b1 = held(ran, 'b1');
    const c1 = held(ran, 'c1');
    expect(limiter.submit('a', a1.task)).toBe('started');
    expect(limiter.submit('a', a2.task)).toBe('queued'); // a is at its own limit
    expect(limiter.submit('b', b1.task)).toBe('queued'); // FIFO: behind a2
    expect(limiter.submit('c', c1.task)).toBe('queued');
    await tick();
    expect(ran).toEqual(['a1']);
    a1.release();
    await tick();
    // a2 is first in line and a has room again; b1 takes the second slot.
    expect(ran).toEqual(['a1', 'a2', 'b1']);
    expect(limiter.stats()).toMatchObject({ inFlight: 2, queued: 1, peakInFlight: 2 });
  });

  it('a request asked again while its first ask still waits replaces it in line: one reply, not two', async () => {
    const ran: string[] = [];
    const limiter = createReplyLimiter({ maxInFlight: 1, perKey: 1, maxQueued: 10 }, () => {});
    const other = held(ran, 'other');
    limiter.submit('x', other.task);
    limiter.submit('d', held(ran, 'chunk-3 first ask').task, 'model.onnx/3');
    limiter.submit('e', held(ran, 'e').task);
    expect(limiter.submit('d', held(ran, 'chunk-3 second ask').task, 'model.onnx/3')).toBe('queued');
    expect(limiter.stats().queued).toBe(2);
    other.release();
    await tick();
    expect(ran).toEqual(['other', 'chunk-3 second ask']);
  });

  it('refuses limits with no room, NaN among them, rather than never running a task', () => {
    for (const limits of [
      { maxInFlight: 0, perKey: 1, maxQueued: 1 },
      { maxInFlight: 1, perKey: Number.NaN, maxQueued: 1 },
      { maxInFlight: 1, perKey: 1, maxQueued: -1 },
    ])
      expect(() => createReplyLimiter(limits, () => {})).toThrow(RangeError);
  });
});
