import type { Clock } from '@outpost/protocol';

/** Sleeps between a source's rows on the injected clock; `cancel` wakes a pending sleep at once (close). */
export class Pacer {
  private wake: (() => void) | undefined;
  private timer: unknown;

  constructor(private readonly clock: Clock) {}

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.wake = undefined;
        resolve();
      }, ms);
    });
  }

  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.wake?.();
    this.wake = undefined;
  }
}
