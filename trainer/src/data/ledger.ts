/**
 * The test ledger: an append-only JSON-lines file beside the run's problem spec
 * (`firmware-models/<name>/test-ledger.jsonl`), shared by every run of one model and kept in version
 * control with the spec — so a look at a test set is remembered on every machine, not just the one
 * whose (uncommitted) run folders saw it. A run folder without run.json uses `<runDir>/../`.
 * Each line is one look at a locked test set. JSON lines rather than SQLite so the record stays
 * readable and diff-able, and appending never rewrites history. The
 * n-th evaluation of the same test set (by sha256, whatever the run) is recorded as a repeat: a
 * score from a test set already looked at is no longer an honest estimate.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { TrainerErrorCodes, trainerError } from '../errors.ts';

export interface LedgerEntry {
  /** ISO-8601 time of the evaluation. */
  at: string;
  /** Run folder name. */
  run: string;
  /** Which model was evaluated (artifact id, learner name…). */
  model: string;
  /** 'test', or 'extra-test-<n>' for a second held-out set. */
  testSet: string;
  testSetHash: string;
  metric: string;
  /** null when the evaluation failed after the rows were opened (`error` says why). */
  value: number | null;
  /** 95% confidence interval, when the evaluator computed one. */
  ci?: [number, number];
  /** 1 for the first evaluation of this test set hash, 2 for the second, … */
  evaluation: number;
  repeat: boolean;
  error?: string;
}

export type NewLedgerEntry = Omit<LedgerEntry, 'evaluation' | 'repeat' | 'at'> & { at?: string };

export const LEDGER_FILE = 'test-ledger.jsonl';

/** The ledger of a spec's runs: beside the spec file. */
export function ledgerPathForSpec(specFile: string): string {
  return join(dirname(resolve(specFile)), LEDGER_FILE);
}

/** The ledger of a run: beside its spec (run.json's `specFile`), else beside the run folder. */
export function ledgerPathFor(runDir: string): string {
  const runJson = join(resolve(runDir), 'run.json');
  if (existsSync(runJson)) {
    let specFile: unknown;
    try {
      specFile = (JSON.parse(readFileSync(runJson, 'utf8')) as { specFile?: unknown }).specFile;
    } catch (err) {
      throw trainerError(TrainerErrorCodes.RUN_INVALID, `${runJson}: not valid JSON`, { file: runJson }, err);
    }
    if (typeof specFile === 'string' && specFile !== '') return ledgerPathForSpec(specFile);
  }
  return join(dirname(resolve(runDir)), LEDGER_FILE);
}

export function runName(runDir: string): string {
  return basename(resolve(runDir));
}

export class TestLedger {
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  static forRun(runDir: string): TestLedger {
    return new TestLedger(ledgerPathFor(runDir));
  }

  entries(): LedgerEntry[] {
    if (!existsSync(this.path)) return [];
    const lines = readFileSync(this.path, 'utf8').split('\n');
    const out: LedgerEntry[] = [];
    lines.forEach((text, i) => {
      if (text.trim() === '') return;
      out.push(parseEntry(text, this.path, i + 1));
    });
    return out;
  }

  /** Earlier evaluations of the test set with this hash. */
  evaluationsOf(testSetHash: string): LedgerEntry[] {
    return this.entries().filter((e) => e.testSetHash === testSetHash);
  }

  append(entry: NewLedgerEntry): LedgerEntry {
    const previous = this.evaluationsOf(entry.testSetHash).length;
    const full: LedgerEntry = {
      ...entry,
      at: entry.at ?? new Date().toISOString(),
      evaluation: previous + 1,
      repeat: previous > 0,
    };
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, JSON.stringify(full) + '\n', { flag: 'a' });
    return full;
  }
}

/** The warning to show for a repeated evaluation; undefined for the first. */
export function repeatWarning(entry: LedgerEntry, earlier: readonly LedgerEntry[]): string | undefined {
  if (!entry.repeat) return undefined;
  const prev = earlier
    .filter((e) => e.testSetHash === entry.testSetHash && e.evaluation < entry.evaluation)
    .map((e) => `#${e.evaluation} ${e.at} run ${e.run} model ${e.model}: ${e.metric} ${e.value ?? 'failed'}`);
  return [
    `WARNING: test set ${entry.testSet} (sha256 ${entry.testSetHash.slice(0, 12)}…) has been evaluated before — this is evaluation #${entry.evaluation}.`,
    'A score on a test set already looked at is optimistic: choosing between models by it turns the test set into a validation set.',
    ...prev.map((p) => `  earlier: ${p}`),
  ].join('\n');
}

function parseEntry(text: string, file: string, line: number): LedgerEntry {
  let e: Partial<LedgerEntry>;
  try {
    e = JSON.parse(text) as Partial<LedgerEntry>;
  } catch (cause) {
    throw trainerError(TrainerErrorCodes.LEDGER_CORRUPT, `${file}:${line}: not JSON`, { file, line }, cause);
  }
  const ok =
    typeof e === 'object' &&
    e !== null &&
    typeof e.at === 'string' &&
    typeof e.run === 'string' &&
    typeof e.testSetHash === 'string' &&
    typeof e.metric === 'string' &&
    typeof e.evaluation === 'number' &&
    typeof e.repeat === 'boolean' &&
    (typeof e.value === 'number' || e.value === null);
  if (!ok) throw trainerError(TrainerErrorCodes.LEDGER_CORRUPT, `${file}:${line}: not a ledger entry`, { file, line });
  return e as LedgerEntry;
}
