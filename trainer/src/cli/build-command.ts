/**
 * `outpost build firmware-models/<name>`: trains the spec
 * (`runTraining`) and writes the signed artifact `<out>/<name>/<version>/` (artifact/build.ts).
 *
 * Reproducible by default: the same spec, data and seed give the same bytes. The manifest's
 * `createdAt` is the one non-derived value, so it is fixed: `--created-at <iso>`, else the
 * `SOURCE_DATE_EPOCH` environment variable (seconds, the reproducible-builds convention), else the
 * Unix epoch (1970-01-01T00:00:00.000Z, meaning "not recorded"). Versions: `--artifact-version`, else the
 * next after the latest under `<out>/<name>/`; the run folder is a temporary one unless `--run-dir`.
 * `outpost build --from runs/<model>/<run>` trains nothing: it signs the model that run exported
 * (run/run-artifact.ts), the model.onnx `outpost test` evaluated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildArtifact, type BuiltArtifact } from '../artifact/build.ts';
import { intOption, loadOrCreateKeyPair, usageError } from '@outpost/protocol/node';
import { loadTrainedModel } from '../run/run-artifact.ts';
import { loadRunRecord } from '../run/run-dir.ts';
import { runTraining } from '../run/run-training.ts';
import type { TrainedModel } from '../model/trained-model.ts';
import { loadSpec, type LoadedSpec } from '../spec/load-spec.ts';
import { specPathOf } from './train-spec.ts';
import { defineBuildCommand, type BuildCliOptions } from './index.ts';
import type { Command } from 'commander';

export type TrainFn = (
  loaded: LoadedSpec,
  o: { seed: number; runDir: string; quick: boolean; onProgress?: (msg: string) => void },
) => Promise<TrainedModel>;

const defaultTrain: TrainFn = async (loaded, o) => (await runTraining(loaded, o)).trainedModel;

function parseInteger(option: string, text: string, min: number): number {
  return intOption(option, { min })(text);
}

/** The creation time: --created-at, SOURCE_DATE_EPOCH, or the Unix epoch. */
export function createdAtOf(option: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (option !== undefined) {
    const t = /^\d{4}-\d{2}-\d{2}T/.test(option) ? Date.parse(option) : NaN;
    if (!Number.isFinite(t))
      throw usageError(
        '--created-at',
        `must be an ISO time such as 2024-01-31T12:00:00Z, got ${JSON.stringify(option)}`,
      );
    return t;
  }
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '') return parseInteger('SOURCE_DATE_EPOCH', epoch, 0) * 1000;
  return 0;
}

export interface BuildRun {
  built: BuiltArtifact;
  trained: TrainedModel;
}

/**
 * `outpost build --from <run>`: the run's trained model (trained-model.json, run/run-artifact.ts)
 * becomes the artifact — nothing is fitted, the data files are not read. The artifact's model.onnx
 * is the run's model.onnx, the one `outpost test` evaluated.
 */
export async function buildFromRun(runArg: string, o: BuildCliOptions): Promise<BuildRun> {
  const runDir = resolve(runArg);
  const trained = loadTrainedModel(runDir);
  const specFile = loadRunRecord(runDir).specFile;
  if (o.seed !== undefined || o.quick || o.runDir)
    throw usageError(
      '--from',
      '--seed, --quick and --run-dir choose how to train; a build --from a run trains nothing',
    );
  const now = createdAtOf(o.createdAt);
  const version =
    o.artifactVersion === undefined ? undefined : parseInteger('--artifact-version', o.artifactVersion, 1);
  const keys = loadOrCreateKeyPair(resolve(o.keys));
  const outRoot = resolve(o.out ?? dirname(dirname(specFile)));
  const built = await buildArtifact(trained, { outRoot, keys, now, ...(version !== undefined ? { version } : {}) });
  return { built, trained };
}

export async function buildFromSpec(
  specArg: string | undefined,
  o: BuildCliOptions,
  train: TrainFn = defaultTrain,
): Promise<BuildRun> {
  if (o.from !== undefined) {
    if (specArg !== undefined) throw usageError('<spec>', 'give a spec or --from <run>, not both');
    return buildFromRun(o.from, o);
  }
  if (specArg === undefined) throw usageError('<spec>', 'give a spec to train, or --from <run>');
  const specFile = specPathOf(specArg);
  if (!specFile) throw usageError('<spec>', `${specArg} is neither a spec file nor a folder with problem.yaml`);
  const loaded = loadSpec(specFile);
  const seed = o.seed === undefined ? loaded.spec.seed : parseInteger('--seed', o.seed, Number.MIN_SAFE_INTEGER);
  const now = createdAtOf(o.createdAt);
  const version =
    o.artifactVersion === undefined ? undefined : parseInteger('--artifact-version', o.artifactVersion, 1);
  const keys = loadOrCreateKeyPair(resolve(o.keys));
  // Default out: the folder holding the spec's folder, so the build lands next to the spec.
  const outRoot = resolve(o.out ?? dirname(dirname(specFile)));
  const runDir = o.runDir ? resolve(o.runDir) : mkdtempSync(join(tmpdir(), 'outpost-build-'));
  try {
    const onProgress = o.json ? undefined : (msg: string): void => console.error(msg);
    const trained = await train(loaded, {
      seed,
      runDir,
      quick: o.quick ?? false,
      ...(onProgress ? { onProgress } : {}),
    });
    const built = await buildArtifact(trained, { outRoot, keys, now, ...(version !== undefined ? { version } : {}) });
    return { built, trained };
  } finally {
    if (!o.runDir) rmSync(runDir, { recursive: true, force: true });
  }
}

/** The action of `outpost build`: builds and prints the artifact (a table, or JSON). */
export async function buildAction(
  spec: string | undefined,
  options: BuildCliOptions,
  train: TrainFn = defaultTrain,
): Promise<void> {
  const { built, trained } = await buildFromSpec(spec, options, train);
  const m = built.manifest;
  const summary = {
    name: m.name,
    version: m.version,
    algorithm: trained.model.kind,
    artifactDir: built.artifactDir,
    artifactId: built.artifactId,
    files: m.files,
  };
  if (options.json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(`model     ${m.name} v${m.version} (${trained.model.kind}, ${m.task})`);
    for (const f of m.files) console.log(`file      ${f.path}  ${f.bytes} bytes  sha256 ${f.sha256}`);
    console.log(`artifact  ${built.artifactDir}`);
    console.log(`id        ${built.artifactId}`);
  }
}

/** A fresh `build` command; `train` is injectable for tests (default: the spec's training run). */
export function createBuildCommand(train: TrainFn = defaultTrain): Command {
  return defineBuildCommand((spec, options) => buildAction(spec, options, train));
}
