/**
 * The error registry is the one place codes are spelled (docs/ARCHITECTURE.md "Errors"):
 * docs/errors.md is exactly what it renders, no source, test, bench or script outside the
 * registry files writes a code as a literal, and every registered code is raised somewhere.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { errorsDocText, allErrorDefinitions } from '../../bin/errors-table.ts';

const root = join(import.meta.dirname, '..', '..');
const SCANNED = ['protocol', 'trainer', 'fleet', 'gateway', 'device', 'stack', 'test', 'bench', 'bin'];

/** The files that define codes (through `defineErrors`) or render them. */
const REGISTRY_FILES = new Set([
  'protocol/src/error-registry.ts',
  'protocol/src/errors-doc.ts',
  'protocol/src/errors.ts',
  'protocol/src/pipeline/errors.ts',
  'trainer/src/errors.ts',
  'fleet/src/errors.ts',
  'gateway/src/errors.ts',
  'device/src/errors.ts',
]);

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (/\.(ts|mts)$/.test(p)) out.push(p);
  }
  return out;
}

const files = SCANNED.flatMap((d) => tsFiles(join(root, d))).map((f) => relative(root, f));

/** The string, template and regular-expression literals of a source text that spell out a code (not its comments). */
function literalCodesIn(text: string, file = 'x.ts'): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteralLike(node) ||
      ts.isTemplateLiteralToken(node) ||
      ts.isRegularExpressionLiteral(node) ||
      ts.isTemplateHead(node)
    ) {
      for (const m of node.getText(source).matchAll(/OUTPOST_ERR_[A-Z0-9_]+/g)) found.push(m[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const literalCodes = (file: string): string[] => literalCodesIn(readFileSync(join(root, file), 'utf8'), file);

describe('the error registry', () => {
  it('renders docs/errors.md exactly (regenerate with `npm run docs:errors`)', async () => {
    expect(readFileSync(join(root, 'docs', 'errors.md'), 'utf8')).toBe(await errorsDocText());
  });

  it('is the only place a code is written out: sources, tests, benches and scripts use its constants', () => {
    expect(files.length).toBeGreaterThan(100);
    const spelled = files
      .filter((f) => !REGISTRY_FILES.has(f))
      .flatMap((f) => literalCodes(f).map((code) => `${f}: ${code}`));
    expect(spelled).toEqual([]);
  });

  it('finds a code in a string, a template or a regular expression, and not in a comment (the scan can fail)', () => {
    const P = ['OUTPOST', 'ERR'].join('_');
    const text = [
      `const a = '${P}_A'; // ${P}_COMMENT`,
      `/* ${P}_BLOCK */ const b = "x ${P}_B";`,
      `const r = /^${P}_R: /;`,
      'const t = `${a}' + P + '_T ${b}`;',
      `it('refuses with ${P}_TITLE', () => {});`,
    ].join('\n');
    expect(literalCodesIn(text)).toEqual([`${P}_A`, `${P}_B`, `${P}_R`, `${P}_T`, `${P}_TITLE`]);
  });

  it('has no code that nothing raises: each constant is used outside the registry files', async () => {
    const defs = await allErrorDefinitions();
    expect(defs.length).toBeGreaterThan(50);
    const corpus = files
      .filter((f) => !REGISTRY_FILES.has(f) && /^(protocol|trainer|fleet|gateway|device)\/src\//.test(f))
      .map((f) => readFileSync(join(root, f), 'utf8'))
      .join('\n');
    const registry = readFileSync(join(root, 'protocol/src/error-registry.ts'), 'utf8');
    const unused = defs
      .filter((d) => !new RegExp(`\\.${d.key}\\b|\\b${d.key}\\b[,}]`).test(corpus))
      .filter((d) => !registry.includes(`}${d.key}\``))
      .map((d) => d.code);
    expect(unused).toEqual([]);
  });
});
