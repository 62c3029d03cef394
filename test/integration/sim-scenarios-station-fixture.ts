/**
 * The housing champion of the train-station scenario tests: the same small "new train station"
 * problem the fleet's retraining tests train (fleet/test/retrain/housing-fixture.ts, which tests
 * here may not import): a spec in the shape of firmware-models/housing (same columns, cleaning and
 * one-hot district) with one fast linear learner, on the first rows of the California data shuffled
 * with a fixed seed, trained and signed as version 1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv, type SigningKeyPair } from '@outpost/protocol';
import { buildArtifact, loadSpec, mulberry32, runTraining } from '@outpost/trainer';
import { STATION_DEFAULT_CSV, type ReplayTable } from '../../stack/sim/station.ts';

/** The California rows (ISLAND's 5 rows left out), shuffled with a fixed seed. */
export function housingRows(): ReplayTable {
  const t = parseCsv(readFileSync(STATION_DEFAULT_CSV, 'utf8'), STATION_DEFAULT_CSV);
  const district = t.header.indexOf('ocean_proximity');
  const rows = t.rows.filter((r) => r[district] !== 'ISLAND');
  const rng = mulberry32(5);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [rows[i], rows[j]] = [rows[j] as string[], rows[i] as string[]];
  }
  return { header: t.header, rows };
}

/** Writes data.csv (the first `rows` rows) and problem.yaml into `dir`; returns the spec path. */
export function writeHousingSpec(dir: string, data: ReplayTable, o: { rows: number }): string {
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
`,
  );
  return spec;
}

/** Trains the spec and signs it as version 1 under `<dir>/build`; returns the artifact folder. */
export async function buildChampion(specFile: string, dir: string, keys: SigningKeyPair): Promise<string> {
  const trained = (await runTraining(loadSpec(specFile), { runDir: join(dir, 'champion-run') })).trainedModel;
  const built = await buildArtifact(trained, {
    outRoot: join(dir, 'build'),
    keys,
    now: Date.parse('2026-03-01T00:00:00Z'),
    version: 1,
    measureLatency: false,
  });
  return built.artifactDir;
}
