import type { SignalSource } from './lifecycle.ts';
import { processIO, runAction, type CliIO } from './run.ts';

/**
 * What a command's action gets besides its options: where it prints (and sets its exit code) and
 * where its stop signals come from. Commands default to the process; tests pass their own.
 */
export interface CommandContext {
  io: CliIO;
  signals: SignalSource;
}

export const processContext: CommandContext = { io: processIO, signals: process };

/**
 * A commander action that runs `body` through `runAction` with the context's io: the body returns
 * nothing or an exit code, or throws. Bodies load their implementation with `await import(…)`, so
 * defining the command stays cheap.
 */
export function commandAction<A extends unknown[]>(
  ctx: CommandContext,
  body: (...args: A) => Promise<number | void> | number | void,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    await runAction(() => body(...args), ctx.io);
  };
}
