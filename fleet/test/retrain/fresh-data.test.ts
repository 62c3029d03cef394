import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOutpostError } from '@outpost/protocol';
import { RetrainErrorCodes } from '../../src/retrain/errors.ts';
import { parseTime, readFreshData, splitHoldout } from '../../src/retrain/fresh-data.ts';
import { challengerWins, improvementOf } from '../../src/retrain/margin.ts';
import { tempDir } from '../fixtures.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.remove());

function csv(lines: string[]): string {
  const file = join(tmp.dir, 'fresh.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('fresh labelled data', () => {
  it('reads CSV and JSONL alike and holds out the newest 20% by time', () => {
    const rows = Array.from(
      { length: 10 },
      (_, i) => `2026-03-${String(10 - i).padStart(2, '0')}T00:00:00Z,${i},${i * 2}`,
    );
    const data = readFreshData(csv(['time,x,y', ...rows]), { timeColumn: 'time', required: ['x', 'y'] });
    const split = splitHoldout(data);
    expect(split.holdout.map((r) => r.cells.x)).toEqual(['1', '0']);
    expect(split.train).toHaveLength(8);
    expect(new Date(split.from).toISOString()).toBe('2026-03-09T00:00:00.000Z');

    const jsonl = join(tmp.dir, 'fresh.jsonl');
    writeFileSync(jsonl, '{"time":1000,"x":1.5,"y":null}\n\n{"time":2000,"x":"a","y":3}\n');
    const j = readFreshData(jsonl, { timeColumn: 'time', required: ['x'] });
    expect(j.rows.map((r) => r.cells)).toEqual([
      { time: '1000', x: '1.5', y: '' },
      { time: '2000', x: 'a', y: '3' },
    ]);
  });

  it('holds out the rows since a time when given one', () => {
    const data = readFreshData(csv(['time,y', '2026-03-01 10:00,1', '2026-03-02 10:00,2', '2026-03-03 10:00,3']), {
      timeColumn: 'time',
      required: ['y'],
    });
    const split = splitHoldout(data, { since: parseTime('2026-03-02T00:00:00Z') });
    expect(split.holdout.map((r) => r.cells.y)).toEqual(['2', '3']);
    const none = (): unknown => splitHoldout(data, { since: parseTime('2026-04-01T00:00:00Z') });
    expect(none).toThrow(expect.objectContaining({ code: RetrainErrorCodes.RETRAIN_FRESH_INVALID }));
  });

  it('names the missing column and the line of a bad time', () => {
    const missing = (() => {
      try {
        readFreshData(csv(['time,x', '1,2']), { timeColumn: 'time', required: ['y'] });
      } catch (e) {
        return e;
      }
    })();
    expect(isOutpostError(missing, RetrainErrorCodes.RETRAIN_FRESH_INVALID)).toBe(true);
    expect((missing as { details: { column: string } }).details.column).toBe('y');
    const bad = (() => {
      try {
        readFreshData(csv(['time,y', '1,2', 'soon,3']), { timeColumn: 'time', required: ['y'] });
      } catch (e) {
        return e;
      }
    })();
    expect((bad as { details: { line: number } }).details.line).toBe(3);
  });
});

describe('the margin', () => {
  it('asks for a strictly lower loss, lower by at least the margin relative to the champion', () => {
    const champion = { value: 100, loss: 100 };
    expect(improvementOf(champion, { value: 90, loss: 90 })).toBeCloseTo(0.1);
    expect(challengerWins(champion, { value: 97, loss: 97 }, 0.02)).toBe(true);
    expect(challengerWins(champion, { value: 99, loss: 99 }, 0.02)).toBe(false);
    expect(challengerWins(champion, { value: 100, loss: 100 }, 0)).toBe(false);
    // Accuracy: loss is 1 − accuracy; 0.90 → 0.95 halves the error.
    expect(challengerWins({ value: 0.9, loss: 0.1 }, { value: 0.95, loss: 0.05 }, 0.4)).toBe(true);
  });
});
