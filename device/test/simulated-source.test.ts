/**
 * The simulated sensor: seeded rows (recorded or drawn) with scheduled faults — each fault changes
 * exactly its feature over exactly its rows — and the `--fault` syntax.
 */
import { describe, expect, it } from 'vitest';
import { CliErrorCodes, isOutpostError, type FeatureValue } from '@outpost/protocol';
import { parseFault, type ScheduledFault } from '../src/sources/faults.ts';
import { SimulatedSource, type SimulatedSourceOptions } from '../src/sources/simulated.ts';
import { FakeClock } from './helpers/fake-clock.ts';

type Row = Record<string, FeatureValue>;

async function take(o: SimulatedSourceOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const r of new SimulatedSource(o)) rows.push(r);
  return rows;
}

const FEATURES: SimulatedSourceOptions['features'] = {
  temp: { kind: 'normal', mean: 21, sd: 1.5 },
  co2: { kind: 'normal', mean: 600, sd: 80 },
  room: { kind: 'categorical', categories: ['kitchen', 'hall'] },
};

const num = (rows: Row[], f: string): number[] => rows.map((r) => r[f] as number);

describe('SimulatedSource', () => {
  it('repeats itself for a seed and differs for another', async () => {
    const a = await take({ features: FEATURES, seed: 7, limit: 200 });
    const b = await take({ features: FEATURES, seed: 7, limit: 200 });
    const c = await take({ features: FEATURES, seed: 8, limit: 200 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const temps = num(a, 'temp');
    const mean = temps.reduce((s, v) => s + v, 0) / temps.length;
    expect(mean).toBeGreaterThan(20.5);
    expect(mean).toBeLessThan(21.5);
    expect(new Set(a.map((r) => r.room))).toEqual(new Set(['kitchen', 'hall']));
  });

  it('cycles recorded rows when given a base', async () => {
    const base = [{ x: 1 }, { x: 2 }, { x: 3 }];
    expect(num(await take({ base, limit: 7 }), 'x')).toEqual([1, 2, 3, 1, 2, 3, 1]);
  });

  it('a stuck sensor repeats one value over its rows, and only its feature', async () => {
    const clean = await take({ features: FEATURES, seed: 3, limit: 300 });
    const faults: ScheduledFault[] = [{ fault: { kind: 'stuck', feature: 'co2' }, from: 100, until: 200 }];
    const stuck = await take({ features: FEATURES, seed: 3, limit: 300, faults });
    expect(new Set(num(stuck, 'co2').slice(100, 200)).size).toBe(1);
    expect(stuck[100]?.co2).toBe(clean[100]?.co2); // the value it stuck at is the one it read then
    expect(num(stuck, 'co2').slice(0, 100)).toEqual(num(clean, 'co2').slice(0, 100));
    expect(num(stuck, 'co2').slice(200)).toEqual(num(clean, 'co2').slice(200));
    expect(num(stuck, 'temp')).toEqual(num(clean, 'temp'));
  });

  it('shift and scale move the value by exactly their amount over their rows', async () => {
    const clean = await take({ features: FEATURES, seed: 5, limit: 100 });
    const faulted = await take({
      features: FEATURES,
      seed: 5,
      limit: 100,
      faults: [
        { fault: { kind: 'shift', feature: 'temp', by: 3 }, from: 50 },
        { fault: { kind: 'scale', feature: 'co2', factor: 2 }, from: 0, until: 10 },
      ],
    });
    faulted.forEach((r, i) => {
      expect(r.temp).toBeCloseTo((clean[i]?.temp as number) + (i >= 50 ? 3 : 0), 10);
      expect(r.co2).toBeCloseTo((clean[i]?.co2 as number) * (i < 10 ? 2 : 1), 10);
    });
  });

  it('dropout, spikes and a new category hit about their rate of rows', async () => {
    const n = 10_000;
    const rows = await take({
      features: FEATURES,
      seed: 11,
      limit: n,
      faults: [
        { fault: { kind: 'dropout', feature: 'temp', rate: 0.2 }, from: 0 },
        { fault: { kind: 'spike', feature: 'co2', rate: 0.05, magnitude: 5000 }, from: 0 },
        { fault: { kind: 'category', feature: 'room', value: 'attic', rate: 0.1 }, from: 0 },
      ],
    });
    const share = (pred: (r: Row) => boolean): number => rows.filter(pred).length / n;
    // Binomial: 4 standard deviations either side.
    const near = (p: number, rate: number): void =>
      expect(Math.abs(p - rate)).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / n));
    near(
      share((r) => r.temp === null),
      0.2,
    );
    near(
      share((r) => Math.abs((r.co2 as number) - 600) > 2000),
      0.05,
    );
    near(
      share((r) => r.room === 'attic'),
      0.1,
    );
  });

  it('paces rows on the injected clock, and close ends a pending wait', async () => {
    const clock = new FakeClock();
    const source = new SimulatedSource({ features: FEATURES, rate: 10, clock });
    const it = source[Symbol.asyncIterator]();
    await it.next(); // the first row comes at once
    let second = false;
    const pending = it.next().then(() => (second = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBe(false);
    clock.advance(100);
    await pending;
    expect(second).toBe(true);
    const third = it.next();
    await source.close();
    expect((await third).done).toBe(true);
  });
});

describe('--fault', () => {
  it('reads every kind', () => {
    expect(parseFault('stuck:CO2@100')).toEqual({ fault: { kind: 'stuck', feature: 'CO2' }, from: 100 });
    expect(parseFault('stuck:CO2=400@100-200')).toEqual({
      fault: { kind: 'stuck', feature: 'CO2', value: 400 },
      from: 100,
      until: 200,
    });
    expect(parseFault('shift:Temperature=-2.5@0').fault).toEqual({ kind: 'shift', feature: 'Temperature', by: -2.5 });
    expect(parseFault('scale:Light=1.5@0').fault).toEqual({ kind: 'scale', feature: 'Light', factor: 1.5 });
    expect(parseFault('noise:Light=10@0').fault).toEqual({ kind: 'noise', feature: 'Light', sd: 10 });
    expect(parseFault('dropout:Light=0.2@0').fault).toEqual({ kind: 'dropout', feature: 'Light', rate: 0.2 });
    expect(parseFault('spike:CO2=0.05,400@0').fault).toEqual({
      kind: 'spike',
      feature: 'CO2',
      rate: 0.05,
      magnitude: 400,
    });
    expect(parseFault('category:room=attic,0.1@0').fault).toEqual({
      kind: 'category',
      feature: 'room',
      value: 'attic',
      rate: 0.1,
    });
  });

  it('refuses malformed faults with the CLI code', () => {
    for (const bad of ['stuck:CO2', 'melt:CO2@1', 'dropout:Light=2@0', 'shift:T@0', 'stuck:CO2@5-5', 'spike:CO2=0.1@0'])
      expect(() => parseFault(bad), bad).toThrow(
        expect.toSatisfy((e: unknown) => isOutpostError(e, CliErrorCodes.CLI_ARGS)),
      );
  });
});
