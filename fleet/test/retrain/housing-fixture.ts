/**
 * A small "new train station" housing problem for the retraining tests: a spec in the shape of
 * firmware-models/housing (same columns, cleaning and one-hot district) on a few hundred rows of
 * the California data with one fast learner, a champion trained and signed on it, and fresh
 * labelled rows over 30 days in which one district's prices rise after day 5.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv, type SigningKeyPair } from '@outpost/protocol';
import { buildArtifact, loadSpec, mulberry32, runTraining } from '@outpost/trainer';

const HOUSING_CSV = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'trainer',
  'datasets',
  'california-housing',
  'housing.csv',
);
export const DAY_MS = 86_400_000;
export const FRESH_START = Date.parse('2026-03-01T00:00:00Z');
/** The district whose prices rise, and from when. */
export const STATION_DISTRICT = 'NEAR BAY';
export const STATION_OPENS = FRESH_START + 5 * DAY_MS;

export interface HousingRows {
  header: string[];
  rows: string[][];
}

/** The California rows (ISLAND's 5 rows left out), shuffled with a fixed seed. */
export function housingRows(): HousingRows {
  const t = parseCsv(readFileSync(HOUSING_CSV, 'utf8'), HOUSING_CSV);
  const district = t.header.indexOf('ocean_proximity');
  const rows = t.rows.filter((r) => r[district] !== 'ISLAND');
  const rng = mulberry32(5);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [rows[i], rows[j]] = [rows[j] as string[], rows[i] as string[]];
  }
  return { header: t.header, rows };
}

/** Writes data.csv (the original training rows) and problem.yaml; returns the spec path. */
export function writeHousingSpec(dir: string, data: HousingRows, o: { rows: number; margin?: number }): string {
  writeFileSync(
    join(dir, 'data.csv'),
    [data.header.join(','), ...data.rows.slice(0, o.rows).map((r) => r.join(','))].join('\n') + '\n',
  );
  const spec = join(dir, 'problem.yaml');
  writeFileSync(
    spec,
    `name: housing
objective: Predict a district's median house value.
task: regression
data:
  - csv: data.csv
target: median_house_value
metric: rmse
success: { threshold: 100000, beat_baseline: true }
split: { method: random, test: 0.2, validation: 0.2 }
cleaning:
  - { op: impute, columns: [total_bedrooms], strategy: median }
feature_steps:
  - { op: ratio, name: rooms_per_household, numerator: total_rooms, denominator: households }
  - { op: onehot, columns: [ocean_proximity] }
seed: 42
candidates:
  linear: { alpha: 1 }
${o.margin !== undefined ? `retrain: { margin: ${o.margin} }\n` : ''}`,
  );
  return spec;
}

/** Trains the spec and signs it as version 1 under `<dir>/build`; returns the artifact folder. */
export async function buildChampion(specFile: string, dir: string, keys: SigningKeyPair): Promise<string> {
  const trained = (await runTraining(loadSpec(specFile), { runDir: join(dir, 'champion-run') })).trainedModel;
  const built = await buildArtifact(trained, {
    outRoot: join(dir, 'build'),
    keys,
    now: FRESH_START,
    version: 1,
    measureLatency: false,
  });
  return built.artifactDir;
}

/**
 * Writes `count` fresh labelled rows (rows after the original ones) with a `time` column spread
 * over 30 days; with `station`, the district's prices rise by `factor` from day 5.
 */
export function writeFresh(
  file: string,
  data: HousingRows,
  o: { from: number; count: number; station?: boolean; factor?: number },
): void {
  const value = data.header.indexOf('median_house_value');
  const district = data.header.indexOf('ocean_proximity');
  const lines = [['time', ...data.header].join(',')];
  data.rows.slice(o.from, o.from + o.count).forEach((r, i) => {
    const at = FRESH_START + Math.floor((i * 30 * DAY_MS) / o.count);
    const row = [...r];
    if (o.station && r[district] === STATION_DISTRICT && at >= STATION_OPENS)
      row[value] = String(Math.round(Number(r[value]) * (o.factor ?? 1.8)));
    lines.push([new Date(at).toISOString(), ...row].join(','));
  });
  writeFileSync(file, lines.join('\n') + '\n');
}
