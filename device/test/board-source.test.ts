/**
 * Sensors through johnny-five: a board config validated with coded errors, and rows read from
 * pins of a board (a hardware-free IO plugin) through real johnny-five — scaled, smoothed, paced by
 * the injected clock.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isOutpostError, type FeatureValue } from '@outpost/protocol';
import { DeviceErrorCodes } from '../src/errors.ts';
import { loadBoardConfig, parseBoardConfig, type BoardConfig } from '../src/sources/board-config.ts';
import { BoardSource } from '../src/sources/board-source.ts';
import { FakeClock } from './helpers/fake-clock.ts';
import { waitFor } from './helpers/fake-gateway.ts';
import { TestIO } from './helpers/test-io.ts';

const HERE = path.dirname(new URL(import.meta.url).pathname);

const YAML = `
board:
  io: raspi-io
  options: { includePins: [GPIO4] }
intervalMs: 1000
features:
  temperature:
    pin: A0
    scale: { from: [0, 1023], to: [-40, 125] }
    smoothing: { method: mean, window: 2 }
  light:
    pin: A1
    scale: { factor: 0.5, offset: 1 }
  door:
    pin: 7
    type: digital
  site:
    value: kitchen
`;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isOutpostError(err) ? err.code : 'not coded';
  }
  return undefined;
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (isOutpostError(err)) return { code: err.code, details: err.details };
    throw err;
  }
  throw new Error('did not reject');
}

/** Lets johnny-five and the plugin's setImmediate callbacks run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(() => setImmediate(r)));

/** Resolves once the source waits on the clock for exactly `ms` (its next row, or its ready timeout). */
async function sleepingFor(clock: FakeClock, ms: number): Promise<void> {
  await waitFor(`a ${ms} ms timer`, () => clock.dueIn().length === 1 && clock.dueIn()[0] === ms);
}

describe('board config', () => {
  it('parses a valid config with defaults filled in', () => {
    const c = parseBoardConfig(YAML);
    expect(c.board).toEqual({ io: 'raspi-io', options: { includePins: ['GPIO4'] }, readyTimeoutMs: 10_000 });
    expect(c.features.door).toEqual({ pin: 7, type: 'digital' });
    expect(c.features.light).toEqual({ pin: 'A1', scale: { factor: 0.5, offset: 1 } });
    expect(c.features.site).toEqual({ value: 'kitchen' });
  });

  it('refuses bad YAML and schema errors with one coded error naming each path', () => {
    expect(codeOf(() => parseBoardConfig('board: [unclosed'))).toBe(DeviceErrorCodes.BOARD_CONFIG_INVALID);
    const bad = `
board: { io: raspi-io, colour: red }
intervalMs: 1
features:
  t: { pin: A0, smoothing: { method: mean, window: 0 }, scale: { from: [5, 5], to: [0, 1] } }
  u: { pin: A1, type: pwm }
`;
    let details: Record<string, unknown> | undefined;
    try {
      parseBoardConfig(bad, 'board.yaml');
    } catch (err) {
      expect(isOutpostError(err) && err.code).toBe(DeviceErrorCodes.BOARD_CONFIG_INVALID);
      details = isOutpostError(err) ? err.details : undefined;
    }
    const paths = (details?.issues as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'board',
        'intervalMs',
        'features.t.smoothing.window',
        'features.t.scale.from',
        'features.u.type',
      ]),
    );
    expect(
      codeOf(() => parseBoardConfig('board: { io: x }\nintervalMs: 100\nfeatures: { a: { pin: A0, value: 3 } }\n')),
    ).toBe(DeviceErrorCodes.BOARD_CONFIG_INVALID);
    expect(codeOf(() => parseBoardConfig('board: { io: x }\nintervalMs: 100\nfeatures: {}\n'))).toBe(
      DeviceErrorCodes.BOARD_CONFIG_INVALID,
    );
  });

  it('reports a missing file with the same code', async () => {
    expect((await rejection(loadBoardConfig('/nonexistent/board.yaml'))).code).toBe(
      DeviceErrorCodes.BOARD_CONFIG_INVALID,
    );
  });
});

describe('BoardSource through johnny-five', () => {
  const sources: BoardSource[] = [];
  afterEach(async () => {
    for (const s of sources.splice(0)) await s.close();
  });

  it('reads each pin every interval: scaled, smoothed, missing until the pin reports', async () => {
    const clock = new FakeClock();
    const io = new TestIO();
    const source = new BoardSource({ config: parseBoardConfig(YAML), io, clock });
    sources.push(source);
    const it = source[Symbol.asyncIterator]();
    const rows: Record<string, FeatureValue>[] = [];
    const next = async (): Promise<void> => {
      const pending = it.next();
      // wait until the source sleeps on the clock, then let one interval pass
      await sleepingFor(clock, 1000);
      clock.advance(1000);
      const r = await pending;
      rows.push(r.value as Record<string, FeatureValue>);
    };
    await next();
    expect(rows[0]).toEqual({ temperature: null, light: null, door: null, site: 'kitchen' });
    expect(io.reads.sort()).toEqual(['A0', 'A1', 'D7']);

    io.analog(0, 0);
    io.analog(1, 100);
    io.digital(7, 1);
    await next();
    expect(rows[1]).toEqual({ temperature: -40, light: 51, door: 1, site: 'kitchen' });

    io.analog(0, 1023);
    await next();
    // mean of the last two scaled readings: (-40 + 125) / 2
    expect(rows[2]?.temperature).toBeCloseTo(42.5, 9);
    await next();
    expect(rows[3]?.temperature).toBeCloseTo(125, 9);

    await source.close();
    expect((await it.next()).done).toBe(true);
  });

  it('gives up with BOARD_UNAVAILABLE when the board never reports ready', async () => {
    const clock = new FakeClock();
    const config: BoardConfig = { ...parseBoardConfig(YAML), board: { io: 'x', options: {}, readyTimeoutMs: 5000 } };
    const source = new BoardSource({ config, io: new TestIO({ ready: false }), clock });
    sources.push(source);
    const pending = rejection(source[Symbol.asyncIterator]().next());
    await sleepingFor(clock, 5000);
    clock.advance(5000);
    const r = await pending;
    expect(r.code).toBe(DeviceErrorCodes.BOARD_UNAVAILABLE);
    expect(r.details).toMatchObject({ timeoutMs: 5000 });
  });

  it('loads the IO plugin the config names (a file beside it) and refuses one that is not installed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'board-'));
    const file = path.join(dir, 'board.yaml');
    writeFileSync(
      file,
      `board:\n  io: ${path.relative(dir, path.join(HERE, 'helpers', 'test-io.ts'))}\n  export: TestIO\n  options: { values: { A0: 1023 } }\nintervalMs: 50\nfeatures:\n  t: { pin: A0, scale: { from: [0, 1023], to: [0, 10] } }\n`,
    );
    const clock = new FakeClock();
    const before = TestIO.instances.length;
    const source = new BoardSource({ config: await loadBoardConfig(file), baseDir: dir, clock });
    sources.push(source);
    const it = source[Symbol.asyncIterator]();
    const pending = it.next();
    await sleepingFor(clock, 50);
    await settle(); // the plugin reports its reading once the pin is read
    clock.advance(50);
    expect((await pending).value).toEqual({ t: 10 });
    expect(TestIO.instances.length).toBe(before + 1);

    const missing = new BoardSource({ config: parseBoardConfig(YAML), clock });
    sources.push(missing);
    const r = await rejection(missing[Symbol.asyncIterator]().next());
    expect(r.code).toBe(DeviceErrorCodes.BOARD_UNAVAILABLE);
    expect(r.details).toMatchObject({ io: 'raspi-io' });
  });
});
