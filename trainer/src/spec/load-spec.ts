/**
 * Reads and validates `problem.yaml`. Every schema problem becomes one coded error naming the file,
 * the field path (`split.test`, `cleaning[0].strategy`) and the problem, so the user fixes the spec
 * without reading a stack trace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { ProblemSpec, type DataSource } from './problem-spec.ts';

/** A data source with its file resolved to an absolute path. */
export type ResolvedSource = DataSource & { path: string };

export interface LoadedSpec {
  spec: ProblemSpec;
  /** Absolute path of the spec file (or the label given to `parseSpec`). */
  file: string;
  sources: ResolvedSource[];
}

export function loadSpec(path: string): LoadedSpec {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw trainerError(TrainerErrorCodes.SPEC_UNREADABLE, `${file}: cannot read the problem spec`, { file }, cause);
  }
  return parseSpec(text, file, dirname(file));
}

/** Parses spec YAML; relative data paths resolve against `baseDir`, else the repository root. */
export function parseSpec(text: string, file: string, baseDir: string): LoadedSpec {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    const line = (cause as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw trainerError(
      TrainerErrorCodes.SPEC_UNREADABLE,
      `${file}${line ? `:${line}` : ''}: not valid YAML: ${(cause as Error).message}`,
      { file, line },
      cause,
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw trainerError(TrainerErrorCodes.SPEC_INVALID, `${file}: the spec must be a YAML mapping`, {
      file,
      field: '',
      problem: 'not a mapping',
    });
  }
  const parsed = ProblemSpec.safeParse(raw);
  if (!parsed.success) throw specInvalid(file, parsed.error.issues);
  const spec = parsed.data;
  const root = repoRoot(baseDir);
  const sources = spec.data.map((d): ResolvedSource => ({
    ...d,
    path: resolveDataPath('csv' in d ? d.csv : d.sqlite, baseDir, root),
  }));
  return { spec, file, sources };
}

/** `cleaning[0].strategy` style path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out;
}

function specInvalid(file: string, issues: readonly z.core.$ZodIssue[]): Error {
  const problems = issues.map((issue) => {
    if (issue.code === 'invalid_union') {
      const best = closestBranchIssue(issue);
      if (best) return describe(best, issue.path);
    }
    return describe(issue, []);
  });
  const first = problems[0] as { field: string; problem: string };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return trainerError(TrainerErrorCodes.SPEC_INVALID, `${file}: ${first.field || '(spec)'}: ${first.problem}${more}`, {
    file,
    field: first.field,
    problem: first.problem,
    problems,
  });
}

function describe(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]): { field: string; problem: string } {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    return {
      field: fieldPath([...path, issue.keys[0] as string]),
      problem: `unknown key${issue.keys.length > 1 ? `s ${issue.keys.join(', ')}` : ''}`,
    };
  }
  return { field: fieldPath(path), problem: issue.message };
}

/**
 * A union failed every branch: report the branch the user most likely meant — the one with the
 * fewest problems, where "wrong type altogether" counts as far off — and its deepest issue.
 */
function closestBranchIssue(issue: z.core.$ZodIssueInvalidUnion): z.core.$ZodIssue | undefined {
  let best: { score: number; issue: z.core.$ZodIssue } | undefined;
  for (const branch of issue.errors) {
    const score = branch.reduce((n, e) => n + (e.code === 'invalid_type' && e.path.length === 0 ? 100 : 1), 0);
    const deepest = branch.reduce<z.core.$ZodIssue | undefined>(
      (d, e) => (!d || e.path.length > d.path.length ? e : d),
      undefined,
    );
    if (deepest && (!best || score < best.score)) best = { score, issue: deepest };
  }
  return best?.issue;
}

/** The nearest ancestor whose package.json declares workspaces (the monorepo root), else cwd. */
export function repoRoot(from: string): string {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
      } catch {
        // an unreadable package.json is not the root marker; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/**
 * A data file as an artifact records it: relative to the spec file's folder, with `/` separators
 * (`../../trainer/datasets/california-housing/housing.csv`), so the manifest and card name no path
 * of the machine that built them and every checkout builds the same bytes.
 */
export function sourceRelativeToSpec(specFile: string, path: string): string {
  return relative(dirname(resolve(specFile)), resolve(path))
    .split(sep)
    .join('/');
}

function resolveDataPath(p: string, baseDir: string, root: string): string {
  if (isAbsolute(p)) return p;
  const local = resolve(baseDir, p);
  if (existsSync(local)) return local;
  const fromRoot = resolve(root, p);
  return existsSync(fromRoot) ? fromRoot : local;
}

/**
 * Checks every column the spec names against the data's header (after load). Feature steps may use
 * columns made by earlier steps (a ratio's `name`, a rotation's `name`, an imputation indicator).
 */
export function checkSpecColumns(loaded: LoadedSpec, header: readonly string[]): void {
  const { spec, file } = loaded;
  const known = new Set(header);
  const check = (name: string, field: string): void => {
    if (known.has(name)) return;
    throw trainerError(
      TrainerErrorCodes.SPEC_COLUMN_UNKNOWN,
      `${file}: ${field}: no column "${name}" in the data (columns: ${[...known].join(', ')})`,
      {
        file,
        field,
        columnName: name,
      },
    );
  };
  check(spec.target.column, 'target');
  for (const name of Object.keys(spec.types)) check(name, `types.${name}`);
  if (spec.split.column !== undefined) check(spec.split.column, 'split.column');
  if (spec.split.time_column !== undefined) check(spec.split.time_column, 'split.time_column');
  if (spec.missing && !Array.isArray(spec.missing))
    for (const name of Object.keys(spec.missing)) check(name, `missing.${name}`);
  spec.row_filters.forEach((f, i) => {
    if (f.op === 'keep_range') check(f.column, `row_filters[${i}].column`);
    else f.columns?.forEach((c, j) => check(c, `row_filters[${i}].columns[${j}]`));
  });
  if (spec.cv.group) check(spec.cv.group.column, 'cv.group.column');
  for (const [name, set] of Object.entries(spec.feature_sets ?? {}))
    if (set !== 'all') set.forEach((c, j) => check(c, `feature_sets.${name}[${j}]`));
  spec.cleaning.forEach((step, i) => {
    const at = `cleaning[${i}]`;
    if (step.op === 'impute' || step.op === 'clip') step.columns?.forEach((c, j) => check(c, `${at}.columns[${j}]`));
    if (step.op === 'capped') check(step.column, `${at}.column`);
    if (step.op === 'impute' && step.indicator) for (const c of step.columns ?? header) known.add(`${c}_missing`);
  });
  spec.feature_steps.forEach((step, i) => {
    const at = `feature_steps[${i}]`;
    switch (step.op) {
      case 'ratio':
        check(step.numerator, `${at}.numerator`);
        check(step.denominator, `${at}.denominator`);
        known.add(step.name);
        break;
      case 'rotate':
        check(step.x, `${at}.x`);
        check(step.y, `${at}.y`);
        known.add(step.name);
        break;
      case 'cluster_similarity':
        step.columns.forEach((c, j) => check(c, `${at}.columns[${j}]`));
        for (let j = 0; j < step.k; j++) known.add(`${step.name}_${j}`);
        break;
      case 'bin':
        check(step.column, `${at}.column`);
        if (step.name) known.add(step.name);
        break;
      case 'log':
        step.columns.forEach((c, j) => check(c, `${at}.columns[${j}]`));
        break;
      case 'onehot':
        step.columns?.forEach((c, j) => check(c, `${at}.columns[${j}]`));
        break;
      case 'ordinal':
        check(step.column, `${at}.column`);
        break;
      case 'scale':
        break;
    }
  });
  const f = spec.features;
  if (f && 'include' in f) f.include.forEach((c, j) => check(c, `features.include[${j}]`));
  if (f && 'exclude' in f) f.exclude.forEach((c, j) => check(c, `features.exclude[${j}]`));
}
