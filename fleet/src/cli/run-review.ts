import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { systemClock } from '@outpost/protocol';
import type { CommandContext } from '@outpost/protocol/node';
import { FLEET_DB_FILE } from '../fleet.ts';
import { openSqliteMonitorStore } from '../monitor/sqlite-monitor-store.ts';
import { createReviewQueue, type ReviewQueue } from '../review/review-queue.ts';
import type { ReviewState } from '../review/review-store.ts';
import { openSqliteReviewStore } from '../review/sqlite-review-store.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { formatTable } from './monitor-format.ts';

/** Runs `fn` with the review queue of a fleet's data folder (offline), then closes it. */
async function withReviewQueue<T>(dataDir: string, fn: (queue: ReviewQueue) => T | Promise<T>): Promise<T> {
  const file = join(resolve(dataDir), FLEET_DB_FILE);
  const store = openSqliteStore(file);
  const monitorStore = openSqliteMonitorStore(file);
  const reviews = openSqliteReviewStore(file);
  try {
    return await fn(createReviewQueue({ reviews, monitorStore, store, clock: systemClock }));
  } finally {
    reviews.close();
    monitorStore.close();
    store.close();
  }
}

export interface ReviewListOptions {
  dataDir: string;
  model?: string;
  device?: string;
  state?: ReviewState;
  json?: boolean;
}

const cell = (v: unknown): string => (typeof v === 'number' ? String(Number(v.toFixed(4))) : String(v ?? '—'));

/** `outpost review list` (docs/MONITORING.md "Review queue"): the queue in arrival order. */
export async function runReviewList(opts: ReviewListOptions, ctx: CommandContext): Promise<void> {
  const items = await withReviewQueue(opts.dataDir, (q) =>
    q.list({
      ...(opts.model !== undefined ? { model: opts.model } : {}),
      ...(opts.device !== undefined ? { device: opts.device } : {}),
      ...(opts.state !== undefined ? { state: opts.state } : {}),
    }),
  );
  if (opts.json) return ctx.io.out(JSON.stringify(items, null, 2));
  if (items.length === 0) return ctx.io.out('no review items');
  ctx.io.out(
    formatTable(
      [
        ['device', 'prediction id', 'model', 'prediction', 'confidence', 'reason', 'state', 'label', 'inputs'],
        ...items.map((i) => [
          i.device,
          i.predictionId,
          `${i.model} v${i.version}`,
          cell(i.prediction),
          cell(i.confidence),
          i.reason,
          i.state,
          cell(i.label),
          Object.entries(i.inputs)
            .map(([k, v]) => `${k}=${v === null ? '(missing)' : cell(v)}`)
            .join(' '),
        ]),
      ],
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
    ),
  );
}

/** `outpost review label <device> <predictionId> <label>`: ground truth for the prediction, audited. */
export async function runReviewLabel(
  device: string,
  predictionId: string,
  label: string,
  opts: { dataDir: string; by?: string },
  ctx: CommandContext,
): Promise<void> {
  const n = Number(label);
  const value = label.trim() !== '' && Number.isFinite(n) ? n : label;
  const actor = opts.by ?? process.env.USER ?? process.env.LOGNAME ?? userInfo().username;
  const r = await withReviewQueue(opts.dataDir, (q) => q.label(device, predictionId, value, actor));
  ctx.io.out(`${device} ${predictionId}: ${r.outcome} ${JSON.stringify(value)} (${r.item.model} v${r.item.version})`);
}
