/**
 * Trains and builds the challenger of a retraining run with the trainer's public API: the spec's
 * original training data plus the fresh rows older than the holdout window become one training
 * source (the spec's test and extra-test sources stay as they are), `runTraining` runs the spec on
 * it, and `buildArtifact` signs the result with the given key as the next version. The champion's
 * artifact is copied into the build's output folder first, so the challenger's manifest names it as
 * its parent (`parentVersion`).
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SigningKeyPair } from '@outpost/protocol';
import { buildArtifact, readSourceRaw, runTraining, type LoadedSpec, type ResolvedSource } from '@outpost/trainer';
import type { FreshRow } from './fresh-data.ts';

export interface ChallengerInput {
  loaded: LoadedSpec;
  /** Fresh rows to train on (the holdout window already removed). */
  fresh: readonly FreshRow[];
  keys: SigningKeyPair;
  champion: { version: number; dir: string };
  /** The challenger's version (the next free one in the registry). */
  version: number;
  /** A scratch folder for the dataset, the training run and the build. */
  workDir: string;
  /** The artifact's createdAt (ms). */
  now: number;
  /** The spec's quick profile (seconds, for trials and tests). */
  quick?: boolean;
  onProgress?: (message: string) => void;
}

export interface Challenger {
  artifactDir: string;
  /** Original training rows and fresh rows in the challenger's training source. */
  rows: { original: number; fresh: number };
}

/** The part of a run that trains: injectable so the orchestration is testable without training. */
export type TrainChallenger = (input: ChallengerInput) => Promise<Challenger>;

const isTrain = (s: ResolvedSource): boolean => (s.role ?? 'train') === 'train';

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The original train sources' header and rows (text cells), in the first source's column order. */
export function originalTrainingRows(loaded: LoadedSpec): { header: string[]; rows: string[][] } {
  const raws = loaded.sources.filter(isTrain).map((s) => readSourceRaw(s));
  const header = raws[0]?.header ?? [];
  const rows: string[][] = [];
  for (const raw of raws) {
    const index = header.map((h) => raw.header.indexOf(h));
    for (const r of raw.rows) rows.push(index.map((i) => (i < 0 ? '' : (r[i] ?? ''))));
  }
  return { header, rows };
}

/** Writes the combined training CSV and returns the spec that trains on it. */
export function combinedSpec(
  loaded: LoadedSpec,
  fresh: readonly FreshRow[],
  file: string,
): { loaded: LoadedSpec; original: number } {
  const { header, rows } = originalTrainingRows(loaded);
  const lines = [header.map(csvCell).join(',')];
  for (const r of rows) lines.push(r.map(csvCell).join(','));
  for (const f of fresh) lines.push(header.map((h) => csvCell(f.cells[h] ?? '')).join(','));
  writeFileSync(file, lines.join('\n') + '\n');
  const others = loaded.sources.filter((s) => !isTrain(s));
  // The first train source's missing-value codes apply to the combined rows.
  const first = loaded.sources.find(isTrain);
  const missing = first && 'csv' in first && first.missing !== undefined ? { missing: first.missing } : {};
  const source: ResolvedSource = { csv: file, role: 'train', path: file, ...missing };
  return {
    loaded: {
      ...loaded,
      spec: {
        ...loaded.spec,
        data: [{ csv: file, role: 'train', ...missing }, ...others.map(({ path: _p, ...d }) => d)],
      },
      sources: [source, ...others],
    },
    original: rows.length,
  };
}

export const trainChallenger: TrainChallenger = async (input) => {
  mkdirSync(input.workDir, { recursive: true });
  const data = combinedSpec(input.loaded, input.fresh, join(input.workDir, 'retrain-data.csv'));
  const trained = (
    await runTraining(data.loaded, {
      runDir: join(input.workDir, 'run'),
      quick: input.quick ?? false,
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
    })
  ).trainedModel;
  const outRoot = join(input.workDir, 'out');
  cpSync(input.champion.dir, join(outRoot, input.loaded.spec.name, String(input.champion.version)), {
    recursive: true,
  });
  const built = await buildArtifact(trained, {
    outRoot,
    keys: input.keys,
    now: input.now,
    version: input.version,
    measureLatency: false,
  });
  return { artifactDir: built.artifactDir, rows: { original: data.original, fresh: input.fresh.length } };
};
