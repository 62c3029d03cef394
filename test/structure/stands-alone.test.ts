/**
 * The repository stands alone: no tracked text file cites a document kept outside it (a design
 * map, a stack or conventions note, a sibling folder) or an issue by title or number. Facts a
 * comment relies on live in docs/ and are cited by section (docs/ARCHITECTURE.md "Errors", …).
 * Every such section citation written on one line names a heading that exists. Signed firmware
 * builds, test ledgers, data sets and the lock file are not scanned.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/**
 * What counts as a citation of something outside the repository. The words are assembled from
 * pieces so that this file does not cite anything itself.
 */
const md = (name: string): string => `${name}\\.md`;
const CITATION = new RegExp(
  [
    `\\b${md('DESIGN')}`,
    `\\b${md('STACK')}`,
    `\\b${md('CONVENTIONS')}`,
    `shared ${'folder'}`,
    `\\.\\./${'shared'}`,
    `\\b${'issue'} #?[0-9]`,
    `\\b${'issue'} "`,
  ].join('|'),
  'i',
);

/** Files that are not prose or code a reader follows: signed builds, ledgers, data, the lock file. */
function skipped(path: string): boolean {
  return (
    path.startsWith('firmware-models/') ||
    path.endsWith('.jsonl') ||
    path.split('/').includes('datasets') ||
    path.endsWith('package-lock.json')
  );
}

function trackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' });
  return out.split('\0').filter((p) => p !== '' && !skipped(p));
}

/** `file:line: text` for every line of a text that cites something outside the repository. */
function citationsIn(path: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (CITATION.test(line)) found.push(`${path}:${i + 1}: ${line.trim()}`);
  });
  return found;
}

/** A heading's title as cited: without its flow number ("3. ") and a trailing "(`path`)". */
function headingTitle(line: string): string {
  return line
    .replace(/^#+\s*/, '')
    .replace(/^\d+\.\s+/, '')
    .replace(/\s*\([^)]*\)\s*$/, '')
    .trim();
}

/** The texts of the tracked files that are scanned, by path (binary files left out). */
function scannedTexts(): Map<string, string> {
  const texts = new Map<string, string>();
  for (const path of trackedFiles()) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(root, path));
    } catch {
      continue; // deleted in the work tree but still in the index
    }
    if (!bytes.includes(0)) texts.set(path, bytes.toString('utf8'));
  }
  return texts;
}

describe('the repository stands alone', () => {
  it('recognises each kind of outside citation and leaves plain prose alone', () => {
    const cites = [
      `see ${'DESIGN'}.md §3`,
      `(${'STACK'}.md "TFLite")`,
      `${'CONVENTIONS'}.md "Tooling"`,
      `kept in the team's shared ${'folder'}`,
      `reads ../${'shared'} at start`,
      `(${'issue'} 4 §4)`,
      `${'Issue'} "Model artifacts" §2`,
    ];
    for (const line of cites) expect(citationsIn('x.ts', line), line).toHaveLength(1);
    const plain = ['see docs/ARCHITECTURE.md "Telemetry"', 'shared state', 'an issue with the cache', 'DESIGNS'];
    for (const line of plain) expect(citationsIn('x.ts', line), line).toEqual([]);
  });

  it('no tracked text file cites a document outside the repository or an issue', () => {
    const texts = scannedTexts();
    expect(texts.size).toBeGreaterThan(100);
    const found = [...texts].flatMap(([path, text]) => citationsIn(path, text));
    expect(found).toEqual([]);
  });

  it('every docs/ section a file cites is a heading of that doc', () => {
    const headings = new Map<string, Set<string>>();
    const missing: string[] = [];
    let cited = 0;
    for (const [path, text] of scannedTexts()) {
      text.split('\n').forEach((line, i) => {
        for (const m of line.matchAll(/\b(docs\/[A-Za-z]+\.md) "([^"]+)"/g)) {
          const [, doc, section] = m as unknown as [string, string, string];
          let titles = headings.get(doc);
          if (titles === undefined) {
            const docText = readFileSync(join(root, doc), 'utf8');
            titles = new Set(
              docText
                .split('\n')
                .filter((l) => /^#+\s/.test(l))
                .map(headingTitle),
            );
            headings.set(doc, titles);
          }
          cited++;
          if (!titles.has(section)) missing.push(`${path}:${i + 1}: ${doc} "${section}"`);
        }
      });
    }
    expect(cited).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });
});
