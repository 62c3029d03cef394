/**
 * The train-station scenario's rows (docs/MONITORING.md "Scenarios"), against the committed housing
 * model's manifest and the repo's California CSV: before the start the district is drawn as often
 * as in the data and the stand-in errs as much as the model's test RMSE; from the start the
 * district is drawn STATION_DISTRICT_WEIGHT × as often and only its labels rise; the labelled rows
 * are written as a CSV shaped like the spec's data. `outpost sim --help` lists the scenario.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isOutpostError, mulberry32, parseCsv, type Manifest } from '@outpost/protocol';
import { simCommand } from '../../stack/sim/command.ts';
import { rowSampler, standIn } from '../../stack/sim/rows.ts';
import { modelRmse } from '../../stack/sim/regression-stand-in.ts';
import {
  STATION_DISTRICT,
  STATION_DISTRICT_WEIGHT,
  STATION_PRICE_FACTOR,
  readReplayTable,
  stationSource,
} from '../../stack/sim/station.ts';

const HOUSING = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'firmware-models', 'housing', '1', 'manifest.json'), 'utf8'),
) as Manifest;
const N = 20_000;

/** Draws N rows; the district's share, and the stand-in's RMSE on the other districts' labels. */
function play(changed: boolean): { district: number; rmse: number } {
  const source = stationSource(readReplayTable());
  const rng = mulberry32(3);
  let district = 0;
  let se = 0;
  let others = 0;
  for (let i = 0; i < N; i++) {
    const d = source.draw(HOUSING, rng, changed, 0);
    const label = d.label();
    if (d.row.ocean_proximity === STATION_DISTRICT) district++;
    else {
      others++;
      se += (d.prediction - label) ** 2;
    }
  }
  return { district: district / N, rmse: Math.sqrt(se / others) };
}

describe('train-station rows', () => {
  const table = readReplayTable();
  const column = table.header.indexOf('ocean_proximity');
  const share = table.rows.filter((r) => r[column] === STATION_DISTRICT).length / table.rows.length;

  it('before the start: the data’s district share, and the stand-in errs as much as the model’s test RMSE', () => {
    const before = play(false);
    expect(before.district).toBeCloseTo(share, 1);
    expect(before.rmse / modelRmse(HOUSING)).toBeGreaterThan(0.95);
    expect(before.rmse / modelRmse(HOUSING)).toBeLessThan(1.05);
  });

  it('from the start: the district is drawn more often and only its prices rise', () => {
    const after = play(true);
    const expected = (STATION_DISTRICT_WEIGHT * share) / (STATION_DISTRICT_WEIGHT * share + 1 - share);
    expect(after.district).toBeCloseTo(expected, 1);
    // Elsewhere the labels are the true prices: the error stays the model's own.
    expect(after.rmse / modelRmse(HOUSING)).toBeLessThan(1.05);
  });

  it('writes the labelled rows with their time, the district’s prices risen by the factor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-station-rows-'));
    try {
      const source = stationSource(table);
      const rng = mulberry32(9);
      const at = Date.parse('2026-03-10T00:00:00Z');
      const drawn = Array.from({ length: 500 }, () => source.draw(HOUSING, rng, true, at));
      const labels = drawn.map((d) => d.label());
      const file = join(dir, 'fresh.csv');
      expect(source.writeCsv(file)).toBe(500);
      const written = parseCsv(readFileSync(file, 'utf8'), file);
      expect(written.header).toEqual(['time', ...table.header]);
      const value = written.header.indexOf('median_house_value');
      const district = written.header.indexOf('ocean_proximity');
      written.rows.forEach((r, i) => {
        expect(r[0]).toBe('2026-03-10T00:00:00.000Z');
        expect(Number(r[value])).toBe(labels[i]);
        // The replayed row itself: its inputs as the device fed them.
        expect(Number(r[written.header.indexOf('median_income')])).toBe(drawn[i]?.row.median_income);
        const original = table.rows.find(
          (t) => t.every((c, j) => j === value - 1 || c === r[j + 1]) && t[value - 1] !== undefined,
        );
        if (r[district] === STATION_DISTRICT)
          expect(Number(r[value])).toBe(Math.round(Number(original?.[value - 1]) * STATION_PRICE_FACTOR));
        else expect(r[value]).toBe(original?.[value - 1]);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without replay: categorical inputs follow the reference, and the regression stand-in keeps predictions in distribution and errs as the model does', () => {
    const sample = rowSampler(HOUSING);
    const model = standIn(HOUSING);
    const rng = mulberry32(11);
    const ref = HOUSING.reference.features.ocean_proximity;
    const pred = HOUSING.reference.prediction;
    if (ref?.kind !== 'categorical' || pred.kind !== 'numeric') throw new Error('housing reference changed');
    const counts = new Map<string, number>();
    const predBins = new Array<number>(pred.freqs.length).fill(0);
    let se = 0;
    for (let i = 0; i < N; i++) {
      const row = sample(rng);
      counts.set(row.ocean_proximity as string, (counts.get(row.ocean_proximity as string) ?? 0) + 1);
      const p = model.predict(row);
      let b = 0;
      while (b < pred.edges.length && p >= (pred.edges[b] as number)) b++;
      predBins[b] = (predBins[b] as number) + 1;
      se += (model.label(row, rng, false) - p) ** 2;
    }
    ref.categories.forEach((c, i) => expect((counts.get(c) ?? 0) / N).toBeCloseTo(ref.freqs[i] as number, 1));
    predBins.forEach((n, i) => expect(n / N).toBeCloseTo(pred.freqs[i] as number, 1));
    expect(Math.sqrt(se / N) / modelRmse(HOUSING)).toBeGreaterThan(0.95);
    expect(Math.sqrt(se / N) / modelRmse(HOUSING)).toBeLessThan(1.05);
  });

  it('refuses replayed rows without the price or district column, with the CSV code', () => {
    const err = (() => {
      try {
        return stationSource({ header: ['median_house_value', 'latitude'], rows: [['1', '2']] });
      } catch (e: unknown) {
        return e;
      }
    })();
    expect(isOutpostError(err, ErrorCodes.CSV)).toBe(true);
  });

  it('outpost sim --help lists the scenario', () => {
    expect(simCommand().helpInformation()).toContain('train-station');
  });
});
