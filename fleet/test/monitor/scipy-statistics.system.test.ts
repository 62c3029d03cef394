import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures.ts';
import { checkAgainstScipy, type ScipyFixture } from './scipy-check.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('drift statistics against a fresh scipy run (python3-scipy)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('re-runs bench/python/monitor_statistics.py and agrees with its output and with the committed fixture', () => {
    const out = join(tmp.dir, 'scipy.json');
    try {
      execFileSync('python3', [join(ROOT, 'bench/python/monitor_statistics.py'), out], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`python3 with scipy (Debian python3-scipy) is needed: ${String(err)}`);
    }
    const fresh = JSON.parse(readFileSync(out, 'utf8')) as ScipyFixture;
    checkAgainstScipy(fresh);
    const committed = JSON.parse(
      readFileSync(join(ROOT, 'fleet/test/monitor/fixtures/scipy-statistics.json'), 'utf8'),
    ) as ScipyFixture;
    expect(fresh.cases.map((c) => c.observed)).toEqual(committed.cases.map((c) => c.observed));
  });
});
