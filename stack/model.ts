/**
 * The model the composed stack runs: a committed signed build from firmware-models/ (verified by
 * the fleet against firmware-models/signing.pub — no private key and no training needed), and the
 * rows its devices replay, read from the model's own dataset copy in trainer/datasets/.
 *
 * The default is occupancy v2 (a 3.5 KB tree on `Light`): it installs in well under a second, and
 * its spec's later week (`datatest2.csv`, 9,752 rows the model never trained on) is a held-out
 * stream whose `Light` distribution matches the training week (PSI ≈ 0.01).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MANIFEST_FILE,
  MAX_MANIFEST_BYTES,
  Manifest,
  artifactIdOf,
  decode,
  type FeatureValue,
} from '@outpost/protocol';
import { loadCsvRows } from '@outpost/device';

export type Row = Record<string, FeatureValue>;

export const REPO_ROOT = join(import.meta.dirname, '..');
export const FIRMWARE_MODELS = join(REPO_ROOT, 'firmware-models');
/** The release key's public half: every committed build is signed by it. */
export const RELEASE_PUBLIC_KEY = join(FIRMWARE_MODELS, 'signing.pub');

/** The release key's public half, PEM: what every tier of the stack pins. */
export function loadReleasePublicKey(): string {
  return readFileSync(RELEASE_PUBLIC_KEY, 'utf8');
}

export interface StackModelChoice {
  /** Folder under firmware-models/ (the spec's name). */
  name: string;
  version: number;
  /** Rows the devices replay: a CSV of the model's dataset copy, relative to the repository root. */
  rowsCsv: string;
}

export const DEFAULT_STACK_MODEL: StackModelChoice = {
  name: 'occupancy',
  version: 2,
  rowsCsv: 'trainer/datasets/occupancy-detection/datatest2.csv',
};

export interface StackModel {
  dir: string;
  manifest: Manifest;
  /** sha256 of manifest.json: what the fleet, gateway and devices call the artifact. */
  artifactId: string;
  publicKeyPem: string;
  /** The replay rows, each narrowed to the model's inputs. */
  rows: Row[];
}

/** Reads a committed build and its replay rows (nothing is verified here: the fleet does that on registration). */
export async function loadStackModel(choice: StackModelChoice = DEFAULT_STACK_MODEL): Promise<StackModel> {
  const dir = join(FIRMWARE_MODELS, choice.name, String(choice.version));
  const manifestBytes = readFileSync(join(dir, MANIFEST_FILE));
  const manifest = decode(Manifest, manifestBytes, MANIFEST_FILE, MAX_MANIFEST_BYTES);
  const names = manifest.inputs.map((i) => i.name);
  const rows = (await loadCsvRows(join(REPO_ROOT, choice.rowsCsv))).map((r) =>
    Object.fromEntries(names.map((n) => [n, r[n] ?? null])),
  );
  return {
    dir,
    manifest,
    artifactId: artifactIdOf(manifestBytes),
    publicKeyPem: loadReleasePublicKey(),
    rows,
  };
}
