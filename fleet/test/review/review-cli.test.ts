/**
 * `outpost review list | label` on a fleet's data folder (docs/MONITORING.md "Review queue"): the
 * list filters and prints the inputs, `--json` gives the items; a label is stored with who gave it,
 * becomes ground truth in monitoring's label store, and is refused with a code when it conflicts.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '@outpost/protocol/node';
import { FLEET_DB_FILE } from '../../src/fleet.ts';
import { openSqliteMonitorStore } from '../../src/monitor/sqlite-monitor-store.ts';
import { ReviewErrorCodes } from '../../src/review/errors.ts';
import { openSqliteReviewStore } from '../../src/review/sqlite-review-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { tempDir } from '../fixtures.ts';
import { run } from '../monitor/cli-helpers.ts';
import { reviewItem } from './review-store-contract.ts';

describe('outpost review', () => {
  let tmp: ReturnType<typeof tempDir>;
  let dataDir: string;
  beforeEach(() => {
    tmp = tempDir();
    dataDir = join(tmp.dir, 'fleet');
    const file = join(dataDir, FLEET_DB_FILE);
    openSqliteStore(file).close();
    const reviews = openSqliteReviewStore(file);
    reviews.add(reviewItem('d1', 'p1'), '2026-01-01T00:00:01.000Z');
    reviews.add(reviewItem('d2', 'p2', 'housing'), '2026-01-01T00:00:02.000Z');
    reviews.close();
  });
  afterEach(() => tmp.remove());

  it('lists the queue with its inputs, filtered, and as JSON', async () => {
    const io = await run('review', 'list', '--data-dir', dataDir);
    expect(io.exitCode ?? ExitCode.OK).toBe(ExitCode.OK);
    const lines = io.stdout.join('\n').split('\n');
    expect(lines[0]).toMatch(
      /^device\s+prediction id\s+model\s+prediction\s+confidence\s+reason\s+state\s+label\s+inputs/,
    );
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['d1 p1', 'd2 p2']);
    expect(lines[1]).toContain('Light=426 Room=b Missing=(missing)');
    const json = await run('review', 'list', '--model', 'housing', '--json', '--data-dir', dataDir);
    expect((JSON.parse(json.stdout[0] ?? '') as { predictionId: string }[]).map((i) => i.predictionId)).toEqual(['p2']);
    const none = await run('review', 'list', '--state', 'labelled', '--data-dir', dataDir);
    expect(none.stdout).toEqual(['no review items']);
  });

  it('labels an item: ground truth in monitoring, the first label stands', async () => {
    const io = await run('review', 'label', 'd1', 'p1', '0', '--by', 'ann', '--data-dir', dataDir);
    expect(io.exitCode ?? ExitCode.OK).toBe(ExitCode.OK);
    expect(io.stdout[0]).toMatch(/^d1 p1: labelled 0/);
    const monitor = openSqliteMonitorStore(join(dataDir, FLEET_DB_FILE));
    expect(monitor.getLabel('p1')).toMatchObject({ label: 0, source: 'review', prediction: { model: 'occupancy' } });
    monitor.close();
    const listed = await run('review', 'list', '--state', 'labelled', '--json', '--data-dir', dataDir);
    expect(JSON.parse(listed.stdout[0] ?? '')).toEqual([
      expect.objectContaining({ predictionId: 'p1', label: 0, labelledBy: 'ann' }),
    ]);
    const conflict = await run('review', 'label', 'd1', 'p1', 'occupied', '--data-dir', dataDir);
    expect(conflict.exitCode).toBe(ExitCode.FAILURE);
    expect(conflict.stderr.join('\n')).toContain(ReviewErrorCodes.REVIEW_LABEL_CONFLICT);
  });
});
