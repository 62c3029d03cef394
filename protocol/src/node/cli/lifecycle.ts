/**
 * The shutdown helper of the CLI kit (docs/ARCHITECTURE.md "Running a tier"). A long-running
 * command opens what it needs through one `Lifecycle`, each part with its closer, and waits for
 * SIGINT or SIGTERM; however it ends (a signal, a return, or a start step that throws), what was
 * opened is closed once, in reverse order, and a closer that fails does not stop the others.
 */

/** Closes one opened part. */
export type Closer = () => Promise<void> | void;

/** What a lifecycle needs of the process: signal listeners. Tests pass an EventEmitter. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface LifecycleOptions {
  /** Default: SIGINT and SIGTERM. */
  signals?: readonly NodeJS.Signals[];
  /** Default: `process`. */
  source?: SignalSource;
  /** Told about each closer that throws (its name and error); the others still run. */
  onCloseError?: (name: string, err: unknown) => void;
  /** A second signal while closing: default exits at once with 130. */
  onSecondSignal?: (signal: NodeJS.Signals) => void;
}

export interface Lifecycle {
  /** Registers a closer for something already opened. */
  defer(name: string, close: Closer): void;
  /** Runs a start step and registers the closer of what it returns; a throwing step registers nothing. */
  start<T>(name: string, open: () => Promise<T> | T, close: (value: T) => Promise<void> | void): Promise<T>;
  /** Resolves with the first signal received (also one received during the start steps). */
  untilStopped(): Promise<NodeJS.Signals>;
  /** True once a signal arrived. */
  readonly stopping: boolean;
  /** Closes everything opened, newest first, once; later calls wait for the first. Removes the signal listeners. */
  close(): Promise<void>;
}

export function createLifecycle(options: LifecycleOptions = {}): Lifecycle {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const source: SignalSource = options.source ?? process;
  const closers: { name: string; close: Closer }[] = [];
  let signalled: NodeJS.Signals | undefined;
  let resolveStopped: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => (resolveStopped = resolve));
  let closing: Promise<void> | undefined;
  // Signal listeners do not keep Node's event loop alive: while a command waits for one, a timer does.
  let keepAlive: NodeJS.Timeout | undefined;
  const release = (): void => {
    if (keepAlive !== undefined) clearInterval(keepAlive);
    keepAlive = undefined;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled === undefined) {
      signalled = signal;
      release();
      resolveStopped(signal);
      return;
    }
    (options.onSecondSignal ?? (() => process.exit(130)))(signal);
  };
  for (const s of signals) source.on(s, onSignal);

  const lifecycle: Lifecycle = {
    defer(name, close) {
      closers.push({ name, close });
    },
    async start(name, open, close) {
      const value = await open();
      closers.push({ name, close: () => close(value) });
      return value;
    },
    untilStopped() {
      if (signalled === undefined && closing === undefined && keepAlive === undefined)
        keepAlive = setInterval(() => {}, 2 ** 30);
      return stopped;
    },
    get stopping() {
      return signalled !== undefined;
    },
    close() {
      release();
      closing ??= (async () => {
        while (closers.length > 0) {
          const { name, close } = closers.pop() as { name: string; close: Closer };
          try {
            await close();
          } catch (err) {
            options.onCloseError?.(name, err);
          }
        }
        for (const s of signals) source.off(s, onSignal);
      })();
      return closing;
    },
  };
  return lifecycle;
}

/**
 * Runs `body` with a fresh lifecycle and closes it however `body` ends; `body`'s error (e.g. a
 * start step that threw) is rethrown after the close, so the action runner prints it.
 */
export async function withLifecycle<T>(
  body: (lifecycle: Lifecycle) => Promise<T>,
  options: LifecycleOptions = {},
): Promise<T> {
  const lifecycle = createLifecycle(options);
  try {
    return await body(lifecycle);
  } finally {
    await lifecycle.close();
  }
}
