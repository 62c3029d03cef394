import type { TelemetryWindow } from '@outpost/protocol';
import type { FleetDb } from './fleet-db.ts';

/**
 * The telemetry inserts of the SQLite fleet store: one window, or a batch of windows in one
 * transaction (docs/ARCHITECTURE.md "Telemetry": batched ingestion). A window is stored once per
 * (device, seq); each call says whether it was new.
 */
export function telemetryWriter(db: FleetDb): {
  insertWindow(w: TelemetryWindow, receivedAt: string): boolean;
  insertWindows(windows: readonly TelemetryWindow[], receivedAt: string): boolean[];
} {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO telemetry (device, seq, model, version, artifact_id, gateway, window_start, window_end, rows, json, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertWindow = (w: TelemetryWindow, receivedAt: string): boolean =>
    insert.run(
      w.device,
      w.seq,
      w.model,
      w.version,
      w.artifactId,
      w.gateway ?? null,
      w.windowStart,
      w.windowEnd,
      w.rows,
      JSON.stringify(w),
      receivedAt,
    ).changes === 1;
  const insertWindows = db.transaction((windows: readonly TelemetryWindow[], receivedAt: string): boolean[] =>
    windows.map((w) => insertWindow(w, receivedAt)),
  );
  return { insertWindow, insertWindows };
}
