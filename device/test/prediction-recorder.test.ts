/**
 * The prediction recorder keeps each answered call as it was and turns it into log entries when
 * it writes (docs/DEVICE.md "Prediction log, labels and review"): entries carry the confidence and
 * review flag of their row, and a write that fails keeps them for the next one, bounded.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Manifest, type Logger } from '@outpost/protocol';
import { PredictionRecorder } from '../src/prediction-recorder.ts';
import { createMemoryPredictionLog } from '../src/store/memory-prediction-log.ts';
import type { LoggedPrediction, PredictionLog } from '../src/store/prediction-log.ts';
import { FakeClock } from './helpers/fake-clock.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const OCCUPANCY = Manifest.parse(
  JSON.parse(readFileSync(path.join(ROOT, 'firmware-models', 'occupancy', '2', 'manifest.json'), 'utf8')),
);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;

/** A memory log whose appends fail while `failing` is set. */
function flakyLog(): PredictionLog & { failing: boolean } {
  const log = createMemoryPredictionLog();
  const flaky = Object.assign(Object.create(log) as PredictionLog, { failing: false });
  flaky.append = (entries: readonly LoggedPrediction[]) => {
    if (flaky.failing) throw new Error('disk full');
    log.append(entries);
  };
  return flaky;
}

describe('prediction recorder', () => {
  it('writes each row with the confidence and review flag of its own row', () => {
    const clock = new FakeClock();
    const log = createMemoryPredictionLog();
    const recorder = new PredictionRecorder({ log, clock, logger: quiet, reviewMargin: 0.5 });
    // Two calls, the second with two rows: probabilities [0.9, 0.1] (sure) and [0.4, 0.6] (unsure).
    recorder.record(OCCUPANCY, [{ Light: 1 }], { probabilities: Float32Array.of(0.9, 0.1) }, [0], ['a']);
    recorder.record(
      OCCUPANCY,
      [{ Light: 2 }, { Light: 3 }],
      { probabilities: Float32Array.of(0.9, 0.1, 0.4, 0.6) },
      [0, 1],
      ['b', 'c'],
    );
    expect(log.get('a')).toBeUndefined();
    recorder.flush();
    expect(log.get('a')).toMatchObject({ inputs: { Light: 1 }, prediction: 0, review: false });
    expect(log.get('b')?.confidence).toBeCloseTo(0.8, 6);
    expect(log.get('c')).toMatchObject({
      inputs: { Light: 3 },
      prediction: 1,
      review: true,
      reviewReason: 'low-margin',
    });
    expect(log.get('c')?.confidence).toBeCloseTo(0.2, 6);
    recorder.close();
  });

  it('keeps what a failed write held for the next write, and the newest rows when too many wait', () => {
    const clock = new FakeClock();
    const log = flakyLog();
    const recorder = new PredictionRecorder({ log, clock, logger: quiet, maxBuffered: 3 });
    const probs = { probabilities: Float32Array.of(0.9, 0.1) };
    log.failing = true;
    for (let i = 0; i < 40; i++) recorder.record(OCCUPANCY, [{ Light: i }], probs, [0], [`p${i}`]);
    log.failing = false;
    recorder.flush();
    // A failed write keeps at most 10 × maxBuffered rows, the newest: the last one (at p38) kept
    // p9–p38, and p39 came after it.
    expect(log.get('p8')).toBeUndefined();
    expect(log.get('p9')).toMatchObject({ inputs: { Light: 9 } });
    expect(log.get('p39')).toMatchObject({ inputs: { Light: 39 } });
    recorder.close();
  });
});
