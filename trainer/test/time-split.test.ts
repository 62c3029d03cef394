import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSpecData, type Table } from '../src/data/load.ts';
import { splitThreeWay } from '../src/data/split3.ts';
import { TrainerErrorCodes } from '../src/errors.ts';
import { exploreSpec } from '../src/explore/explore-spec.ts';
import { loadSpec } from '../src/spec/load-spec.ts';
import { SplitSpec } from '../src/spec/problem-spec.ts';
import { codeOf, tempDir } from './helpers.ts';

const pad = (n: number): string => String(n).padStart(2, '0');

/** One row per day from 2024-01-01 for `days` days, in file order, with the date written by `write`. */
function daily(days: number, write: (d: Date) => string, time?: (d: Date) => string): Table {
  const dates = Array.from({ length: days }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i)));
  const columns: Table['columns'] = [
    { kind: 'categorical', name: 'Date', values: dates.map(write) },
    { kind: 'numeric', name: 'day', values: Float64Array.from(dates, (_, i) => i) },
  ];
  if (time) columns.push({ kind: 'categorical', name: 'Time', values: dates.map(time) });
  return { source: 'days.csv', rowCount: days, columns, lines: dates.map((_, i) => i + 2) };
}

const dmy = (d: Date): string => `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
const mdy = (d: Date): string => `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()}`;
const split = (s: Record<string, unknown>): SplitSpec => SplitSpec.parse({ method: 'time', column: 'Date', ...s });
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('a time split parses its timestamps', () => {
  it('DD/MM/YYYY: the newest 20% of days are the test rows, not days 25–31 of every month', () => {
    const t = daily(100, dmy);
    const s = splitThreeWay(t, split({ format: 'DD/MM/YYYY' }), 1);
    expect(s.test).toEqual(range(80, 100));
    expect(s.validation).toEqual(range(60, 80));
    expect(s.train).toEqual(range(0, 60));
  });

  it('MM/DD/YYYY, YYYY-MM-DD HH:mm:ss, epoch seconds and milliseconds order by time too', () => {
    // Rows in reverse time order, so file order is never the answer by accident.
    const reversed = (t: Table): Table => {
      const rows = range(0, t.rowCount).reverse();
      return {
        ...t,
        columns: t.columns.map((c) =>
          c.kind === 'numeric'
            ? { ...c, values: Float64Array.from(rows, (r) => c.values[r] as number) }
            : { ...c, values: rows.map((r) => c.values[r] as string) },
        ),
      };
    };
    const newest = range(0, 20);
    const cases: [(d: Date) => string, string][] = [
      [mdy, 'MM/DD/YYYY'],
      [(d) => `${d.toISOString().slice(0, 10)} 13:05:09`, 'YYYY-MM-DD HH:mm:ss'],
      [(d) => String(d.getTime() / 1000), 'epoch-s'],
      [(d) => String(d.getTime()), 'epoch-ms'],
    ];
    for (const [write, format] of cases)
      expect(splitThreeWay(reversed(daily(100, write)), split({ format }), 1).test, format).toEqual(newest);
  });

  it('a date column and a time column are combined by the spec (DD/MM/YYYY + HH.mm.ss)', () => {
    // Two rows a day, written evening first: only the time column orders them.
    const days = daily(50, dmy);
    const n = 100;
    const t: Table = {
      source: 'hours.csv',
      rowCount: n,
      columns: [
        {
          kind: 'categorical',
          name: 'Date',
          values: range(0, n).map((i) => days.columns[0]?.values[i >> 1] as string),
        },
        { kind: 'categorical', name: 'Time', values: range(0, n).map((i) => (i % 2 === 0 ? '18.00.00' : '6.00.00')) },
      ],
      lines: range(2, n + 2),
    };
    const s = splitThreeWay(t, split({ time_column: 'Time', format: 'DD/MM/YYYY HH.mm.ss', test: 0.01 }), 1);
    expect(s.test).toEqual([98]); // the last day's 18:00 reading, not its 06:00 one written after it
  });

  it('ISO 8601 is the default; a value that is not ISO is a coded error with file, line and column', () => {
    const iso = daily(10, (d) => d.toISOString());
    expect(splitThreeWay(iso, split({}), 1).test).toEqual([8, 9]);
    const t = daily(10, dmy); // DD/MM/YYYY without a format: refused, not sorted as text
    expect(() => splitThreeWay(t, split({}), 1)).toThrow(
      expect.objectContaining({
        code: TrainerErrorCodes.DATA_TIME_INVALID,
        details: expect.objectContaining({ file: 'days.csv', line: 2, column: 1, value: '01/01/2024' }),
      }),
    );
  });

  it('a day that does not exist, or a value that does not fit the pattern, is refused', () => {
    const t = daily(10, dmy);
    (t.columns[0]?.values as string[])[6] = '31/02/2024';
    expect(() => splitThreeWay(t, split({ format: 'DD/MM/YYYY' }), 1)).toThrow(
      expect.objectContaining({
        code: TrainerErrorCodes.DATA_TIME_INVALID,
        details: expect.objectContaining({ line: 8, column: 1 }),
      }),
    );
    (t.columns[0]?.values as string[])[6] = '2024-01-07';
    expect(codeOf(() => splitThreeWay(t, split({ format: 'DD/MM/YYYY' }), 1))).toBe(
      TrainerErrorCodes.DATA_TIME_INVALID,
    );
  });

  it('the spec refuses an unknown format, and time options outside a time split', () => {
    expect(SplitSpec.safeParse({ method: 'time', column: 'Date', format: 'DD/MM' }).success).toBe(false);
    expect(SplitSpec.safeParse({ method: 'random', format: 'DD/MM/YYYY' }).success).toBe(false);
    expect(SplitSpec.safeParse({ method: 'random', time_column: 'Time' }).success).toBe(false);
  });
});

describe('an unparseable time at load, train and explore', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  function specWith(format: string, badLine?: number): string {
    const rows = range(0, 30).map((i) => {
      const d = new Date(Date.UTC(2024, 0, 1 + i));
      const date = i + 2 === badLine ? '2024/13/45' : dmy(d);
      return `${date},${i},${(i * 7) % 11}`;
    });
    writeFileSync(join(tmp.dir, 'd.csv'), `Date,x,y\n${rows.join('\n')}\n`);
    const spec = join(tmp.dir, 'problem.yaml');
    writeFileSync(
      spec,
      [
        'name: t',
        'objective: o',
        'task: regression',
        'data: [{ csv: d.csv }]',
        'target: y',
        'features: { exclude: [Date] }',
        'metric: rmse',
        `split: { method: time, column: Date, format: "${format}" }`,
        '',
      ].join('\n'),
    );
    return spec;
  }

  it('explore raises DATA_TIME_INVALID naming the file, line and column', () => {
    const spec = specWith('DD/MM/YYYY', 17);
    expect(() => exploreSpec(spec)).toThrow(
      expect.objectContaining({
        code: TrainerErrorCodes.DATA_TIME_INVALID,
        details: expect.objectContaining({ file: join(tmp.dir, 'd.csv'), line: 17, column: 1 }),
      }),
    );
    expect(() => exploreSpec(specWith('DD/MM/YYYY'))).not.toThrow();
  });

  it('the data loads and the split parses under the spec format', () => {
    const loaded = loadSpec(specWith('DD/MM/YYYY'));
    const data = loadSpecData(loaded);
    expect(splitThreeWay(data.train, loaded.spec.split, 1).test).toEqual(range(24, 30));
  });
});
