/**
 * The "new train station" scenario's rows (docs/MONITORING.md "Scenarios"): simulated devices of a
 * housing-shaped regression model replay real labelled rows (by default the California housing
 * data) instead of drawing from the reference profile. The stand-in model predicts a row's true
 * value with Gaussian noise as large as the model's own test RMSE, so the error stays in its band.
 * Once the scenario starts, the station's district (one `ocean_proximity` value) is drawn
 * STATION_DISTRICT_WEIGHT × as often — the inputs drift (the district and its latitude/longitude)
 * — and its prices rise by STATION_PRICE_FACTOR while the predictions do not, so the error leaves
 * its band once labels arrive. Every labelled row is kept, with its time and the risen price, and
 * can be written as a CSV shaped like the spec's data (a `time` column first) for `outpost retrain`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, OutpostError, parseCsv, type FeatureValue, type Manifest, type Rng } from '@outpost/protocol';
import { gaussian, modelRmse } from './regression-stand-in.ts';

/** The district whose prices rise, its column, and the price column. */
export const STATION_DISTRICT = 'NEAR BAY';
export const STATION_DISTRICT_COLUMN = 'ocean_proximity';
export const STATION_TARGET = 'median_house_value';
/** Prices in the district rise by this factor once the scenario starts. */
export const STATION_PRICE_FACTOR = 1.5;
/** The district's rows are drawn this many times as often as before (the new line brings people). */
export const STATION_DISTRICT_WEIGHT = 6;
/** Labels (sale prices) arrive this long after the scenario starts, unless told otherwise. */
export const STATION_LABELS_AFTER_MS = 5000;
/** The replayed data by default (the repo's California housing CSV). */
export const STATION_DEFAULT_CSV = join(
  import.meta.dirname,
  '..',
  '..',
  'trainer',
  'datasets',
  'california-housing',
  'housing.csv',
);

/** Labelled rows in the spec's columns (the target among them), as strings. */
export interface ReplayTable {
  header: string[];
  rows: string[][];
}

/** One drawn row: its inputs, the stand-in's prediction, and its label (kept for the CSV when asked for). */
export interface DrawnRow {
  row: Record<string, FeatureValue>;
  prediction: number;
  label(): number;
}

/** Where a simulated device's rows come from when not from the reference profile. */
export interface RowSource {
  /** A row for `manifest`'s inputs; `changed` once the scenario plays; `at` the window's end (epoch ms). */
  draw(manifest: Manifest, rng: Rng, changed: boolean, at: number): DrawnRow;
  /** Labelled rows so far. */
  labelled(): number;
  /** Writes the labelled rows as CSV (`time`, then the table's columns); returns how many. */
  writeCsv(file: string): number;
}

/** The California rows of the repo's CSV, in file order. */
export function readReplayTable(file = STATION_DEFAULT_CSV): ReplayTable {
  const t = parseCsv(readFileSync(file, 'utf8'), file);
  return { header: t.header, rows: t.rows };
}

const csvCell = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The train-station row source over `table` (its target and district columns must be there). */
export function stationSource(table: ReplayTable): RowSource {
  const target = table.header.indexOf(STATION_TARGET);
  const district = table.header.indexOf(STATION_DISTRICT_COLUMN);
  if (target < 0 || district < 0)
    throw new OutpostError(
      ErrorCodes.CSV,
      `replayed rows need the columns ${STATION_TARGET} and ${STATION_DISTRICT_COLUMN}`,
      { details: { column: target < 0 ? STATION_TARGET : STATION_DISTRICT_COLUMN } },
    );
  const inDistrict = table.rows.filter((r) => r[district] === STATION_DISTRICT);
  const elsewhere = table.rows.filter((r) => r[district] !== STATION_DISTRICT);
  const share = inDistrict.length / Math.max(1, table.rows.length);
  // The district's share once the scenario plays: its weight over the others' (unchanged) one.
  const changedShare = (STATION_DISTRICT_WEIGHT * share) / (STATION_DISTRICT_WEIGHT * share + (1 - share));
  const journal: string[][] = [];
  const pick = (rows: string[][], rng: Rng): string[] => rows[Math.floor(rng() * rows.length)] as string[];
  return {
    draw(manifest, rng, changed, at) {
      const fromDistrict = rng() < (changed ? changedShare : share);
      const cells = fromDistrict && inDistrict.length > 0 ? pick(inDistrict, rng) : pick(elsewhere, rng);
      const row: Record<string, FeatureValue> = {};
      for (const input of manifest.inputs) {
        const i = table.header.indexOf(input.name);
        const raw = i < 0 ? '' : (cells[i] as string);
        row[input.name] = raw === '' ? null : input.type === 'string' ? raw : Number(raw);
      }
      const truth = Number(cells[target]);
      const risen = changed && cells[district] === STATION_DISTRICT ? Math.round(truth * STATION_PRICE_FACTOR) : truth;
      return {
        row,
        prediction: truth + gaussian(rng) * modelRmse(manifest),
        label() {
          const line = [...cells];
          // Only a risen price is rewritten; the other cells stay as the data spells them.
          if (risen !== truth) line[target] = String(risen);
          journal.push([new Date(at).toISOString(), ...line]);
          return risen;
        },
      };
    },
    labelled: () => journal.length,
    writeCsv(file) {
      const lines = [['time', ...table.header], ...journal].map((l) => l.map(csvCell).join(','));
      writeFileSync(file, lines.join('\n') + '\n');
      return journal.length;
    },
  };
}
