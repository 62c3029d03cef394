import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { decode, errorMessage, type Logger } from '@outpost/protocol';
import { writeFileAtomic } from './atomic-file.ts';

export type SlotName = 'a' | 'b';

/**
 * `<dataDir>/state.json`: which slot is active, the last accepted version per model, the telemetry
 * seq, and the last desired state accepted (its revision and digest, and the gateway it was for),
 * so a restarted device still refuses older revisions (docs/SECURITY.md "Signed intent").
 */
export const DeviceStateSchema = z.strictObject({
  active: z.enum(['a', 'b']).nullable(),
  lastAccepted: z.record(z.string(), z.number().int().positive()),
  seq: z.number().int().nonnegative(),
  intent: z
    .strictObject({
      revision: z.number().int().nonnegative(),
      digest: z.string().regex(/^[0-9a-f]{64}$/),
      gateway: z.string(),
    })
    .optional(),
});
export type DeviceState = z.infer<typeof DeviceStateSchema>;

export const STATE_FILE = 'state.json';

/**
 * The device's small durable state. Every change is written atomically and in order, so a crash
 * between two writes leaves the earlier one.
 */
export class StateFile {
  private current: DeviceState;
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    initial: DeviceState,
  ) {
    this.current = initial;
  }

  static async open(dataDir: string, logger: Logger): Promise<StateFile> {
    const file = path.join(dataDir, STATE_FILE);
    let initial: DeviceState = { active: null, lastAccepted: {}, seq: 0 };
    try {
      initial = decode(DeviceStateSchema, await readFile(file), STATE_FILE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        logger.error({ err: errorMessage(err) }, 'state.json unreadable; starting from an empty state');
    }
    return new StateFile(file, initial);
  }

  get(): Readonly<DeviceState> {
    return this.current;
  }

  /** Applies a change in memory now and resolves once it is on disk. */
  update(change: (s: DeviceState) => DeviceState): Promise<void> {
    this.current = change(structuredClone(this.current));
    const snapshot = JSON.stringify(this.current, null, 2);
    const write = this.chain.then(() => writeFileAtomic(this.file, snapshot));
    this.chain = write.catch(() => undefined);
    return write;
  }
}
