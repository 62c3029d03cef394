import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  TelemetryWindow,
  decode,
  encode,
  errorMessage,
  topics,
  type FeatureValue,
  type Logger,
  type ReceiptItem,
} from '@outpost/protocol';
import { DeviceErrorCodes } from '../errors.ts';
import { writeFileAtomic } from '../store/atomic-file.ts';
import { ReceiptDispatcher } from '../upstream/receipts.ts';
import type { ShadowModelRef } from './shadow-window.ts';
import { TelemetryWindowAccumulator, type WindowModel } from './window.ts';
import {
  DEFAULT_MAX_RESEND_MS,
  DEFAULT_PERSIST_RETRY_MS,
  DEFAULT_RESEND_MS,
  DEFAULT_WINDOW_MS,
  DEFAULT_WINDOW_ROWS,
  MAX_PERSIST_RETRY_MS,
  deferred,
  type TelemetryHealth,
  type TelemetryPublisherOptions,
  type TelemetryStats,
  type Unpersisted,
  type Unreceipted,
} from './publisher-options.ts';

export {
  DEFAULT_MAX_RESEND_MS,
  DEFAULT_PERSIST_RETRY_MS,
  DEFAULT_RESEND_MS,
  DEFAULT_WINDOW_MS,
  DEFAULT_WINDOW_ROWS,
  MAX_PERSIST_RETRY_MS,
  type TelemetryHealth,
  type TelemetryPublisherOptions,
  type TelemetryStats,
} from './publisher-options.ts';

/**
 * Closes telemetry windows and delivers each exactly once into the gateway's store
 * (docs/ARCHITECTURE.md "Telemetry"). A window closes after `windowRows` rows, after `windowMs`, on
 * a model change and on `flush()`. It is written to `<dataDir>/outbox/<seq>.json` and its seq to
 * state.json before it is sent; it is deleted only when the gateway's receipt for (device, seq)
 * arrives on `devices/<id>/acks` — never on the broker's PUBACK. Unreceipted windows are sent again
 * after `resendMs` (doubling up to `maxResendMs`), on every reconnect and on start.
 *
 * A failed outbox write keeps the window (and every later one) in memory, in seq order, and is
 * retried with backoff; meanwhile `health()` says `degraded` with the reason. No seq is skipped: a
 * window is sent only once written, so the seqs the gateway sees are 1..n.
 */
export class TelemetryPublisher {
  private readonly windowRows: number;
  private readonly windowMs: number;
  private readonly resendMs: number;
  private readonly maxResendMs: number;
  private readonly persistRetryMs: number;
  private readonly outboxDir: string;
  private readonly topic: string;
  private readonly log: Logger;
  private model: WindowModel | undefined;
  private window: TelemetryWindowAccumulator | undefined;
  private timer: unknown;
  /** Set while windows wait for a receipt: fires when the earliest one is due to be sent again. */
  private resendTimer: unknown;
  private seq: number;
  /** Closed windows not yet written to the outbox, oldest first. */
  private readonly unpersisted: Unpersisted[] = [];
  private persisting: Promise<void> | undefined;
  private persistTimer: unknown;
  private persistDelay: number;
  private readonly unreceipted = new Map<number, Unreceipted>();
  private degraded: { reason: string; since: number } | undefined;
  private windowsSent = 0;
  /** Receipted windows whose outbox file could not be deleted yet. */
  private readonly undeleted = new Set<number>();
  /** Receipted windows whose outbox file is being deleted. */
  private deleting = 0;
  private closed = false;

  constructor(private readonly o: TelemetryPublisherOptions) {
    this.windowRows = o.windowRows ?? DEFAULT_WINDOW_ROWS;
    this.windowMs = o.windowMs ?? DEFAULT_WINDOW_MS;
    this.resendMs = o.resendMs ?? DEFAULT_RESEND_MS;
    this.maxResendMs = Math.max(this.resendMs, o.maxResendMs ?? DEFAULT_MAX_RESEND_MS);
    this.persistRetryMs = o.persistRetryMs ?? DEFAULT_PERSIST_RETRY_MS;
    this.persistDelay = this.persistRetryMs;
    this.outboxDir = path.join(o.dataDir, 'outbox');
    this.topic = topics.device(o.deviceId, 'telemetry');
    this.log = o.logger.child({ component: 'telemetry' });
    this.seq = o.state.get().seq;
  }

  /** Listens for receipts and re-sends every window left in the outbox (a device killed mid-send loses nothing). */
  async start(): Promise<void> {
    // One subscriber to the acks topic per device: the device's dispatcher when given, else our own.
    const receipts = this.o.receipts ?? new ReceiptDispatcher(this.o.deviceId, this.o.transport, this.log);
    receipts.on('telemetry', (item) => this.onReceipt(item));
    await receipts.start();
    this.o.transport.on('connect', () => {
      // Whatever was in flight may never have reached the gateway: send it all again now.
      for (const u of this.unreceipted.values()) {
        u.tries = 0;
        this.publish(u);
      }
    });

    await mkdir(this.outboxDir, { recursive: true });
    const all = await readdir(this.outboxDir);
    // A temp file is a window whose write a kill interrupted: its seq was never claimed (state.json
    // is written after the file), so the window was never sent and its seq will be used again.
    for (const f of all.filter((name) => name.startsWith('.') && name.endsWith('.tmp')))
      await rm(path.join(this.outboxDir, f), { force: true }).catch(() => undefined);
    const files = all.filter((f) => /^\d+\.json$/.test(f));
    const seqs = files.map((f) => Number(f.slice(0, -'.json'.length))).sort((a, b) => a - b);
    const resend: [number, Buffer][] = [];
    for (const seq of seqs) {
      let payload: Buffer;
      try {
        const bytes = await readFile(this.outboxFile(seq));
        decode(TelemetryWindow, bytes, `outbox/${seq}.json`);
        payload = bytes;
      } catch (err) {
        // Kept, not deleted: moved aside with its reason (nothing that cannot be accepted is lost).
        const dead = path.join(this.o.dataDir, 'dead-letter');
        await mkdir(dead, { recursive: true });
        await rename(this.outboxFile(seq), path.join(dead, `outbox-${seq}.json`));
        await writeFile(path.join(dead, `outbox-${seq}.reason.txt`), `${errorMessage(err)}\n`);
        this.log.error({ seq, err: errorMessage(err) }, 'unreadable outbox window moved to dead-letter/');
        continue;
      }
      this.seq = Math.max(this.seq, seq);
      resend.push([seq, payload]);
    }
    // A window persisted just before a kill may be ahead of state.json: catch the state up before
    // the window can be receipted and deleted, or its seq could be handed out again.
    if (this.seq > this.o.state.get().seq) await this.o.state.update((s) => ({ ...s, seq: Math.max(s.seq, this.seq) }));
    for (const [seq, payload] of resend) this.send(seq, payload);
    if (seqs.length > 0) this.log.info({ windows: seqs.length }, 're-sending outbox');
  }

  /** The model new rows belong to; a change closes the open window. */
  setModel(model: WindowModel | undefined): void {
    if (this.model?.artifactId === model?.artifactId) return;
    this.closeWindow();
    this.model = model;
  }

  record(rows: readonly Record<string, FeatureValue>[], predictions: readonly number[], latencyMs: number): void {
    const w = this.open();
    if (!w) return;
    const share = rows.length > 0 ? latencyMs / rows.length : latencyMs;
    for (let i = 0; i < rows.length; i++) w.add(rows[i] as Record<string, FeatureValue>, predictions[i] ?? NaN, share);
    if (w.rows >= this.windowRows) this.closeWindow();
  }

  /**
   * A shadow candidate's scores of rows the active model answered (docs/DEVICE.md "Shadow mode"),
   * counted into the open window; `candidate` null: the candidate failed on them.
   */
  recordShadow(
    model: ShadowModelRef,
    active: readonly number[],
    candidate: readonly number[] | null,
    latencyMs: number,
  ): void {
    const w = this.open();
    if (!w) return;
    const s = w.shadowOf(model);
    if (candidate === null) {
      s.errors += active.length;
      return;
    }
    const share = active.length > 0 ? latencyMs / active.length : latencyMs;
    for (let i = 0; i < active.length; i++) s.add(active[i] as number, candidate[i] ?? NaN, share);
  }

  recordErrors(count: number): void {
    const w = this.open();
    if (w) w.errors += count;
  }

  /**
   * Closes the open window if it has rows and waits until every window closed so far is written
   * and receipted by the gateway; resolves with the seq of the window it closed (undefined if it
   * was empty).
   */
  async flush(): Promise<number | undefined> {
    const seq = this.closeWindow();
    for (;;) {
      const waits = [
        ...this.unpersisted.map((u) => u.persisted.promise),
        ...[...this.unreceipted.values()].map((u) => u.receipted.promise),
      ];
      if (waits.length === 0) break;
      await Promise.all(waits);
    }
    return seq;
  }

  stats(): TelemetryStats {
    return {
      windowsSent: this.windowsSent,
      lastSeq: this.seq,
      outboxDepth: this.unreceipted.size + this.unpersisted.length + this.deleting,
    };
  }

  health(): TelemetryHealth {
    return this.degraded ? { status: 'degraded', ...this.degraded } : { status: 'ok' };
  }

  /** Stops the timers and writes the open window to the outbox (sent on the next start). */
  async close(): Promise<void> {
    this.closeWindow();
    this.closed = true;
    if (this.persistTimer !== undefined) this.o.clock.clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    if (this.resendTimer !== undefined) this.o.clock.clearTimeout(this.resendTimer);
    this.resendTimer = undefined;
    // One last try for what is waiting to be written; what still cannot be is lost with the process.
    await this.persistAll();
    const closed = new Error('telemetry publisher closed');
    for (const u of this.unpersisted.splice(0)) u.persisted.reject(closed);
    for (const u of this.unreceipted.values()) u.receipted.reject(closed);
    this.unreceipted.clear();
  }

  private open(): TelemetryWindowAccumulator | undefined {
    if (this.closed || !this.model) return undefined;
    if (!this.window) {
      this.window = new TelemetryWindowAccumulator(this.model, this.o.clock.now());
      this.timer = this.o.clock.setTimeout(() => {
        this.timer = undefined;
        this.closeWindow();
      }, this.windowMs);
    }
    return this.window;
  }

  /** Closes the open window, queues it for the outbox and returns its seq (undefined if empty). */
  private closeWindow(): number | undefined {
    const w = this.window;
    this.window = undefined;
    if (this.timer !== undefined) {
      this.o.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!w || (w.rows === 0 && w.errors === 0)) return undefined;
    const seq = ++this.seq;
    const payload = encode(w.toMessage(this.o.deviceId, seq, this.o.clock.now()));
    this.unpersisted.push({ seq, payload, persisted: deferred() });
    void this.persistAll();
    return seq;
  }

  /**
   * Writes queued windows in seq order: the outbox file first, then seq in state.json. A kill
   * between the two leaves the file, and start() takes seq = max(state, outbox), so a restart never
   * reuses a seq and never leaves a gap. A failure stops here and retries later with backoff.
   */
  private persistAll(): Promise<void> {
    this.persisting ??= (async () => {
      try {
        while (this.unpersisted.length > 0) {
          const head = this.unpersisted[0] as Unpersisted;
          try {
            await writeFileAtomic(this.outboxFile(head.seq), head.payload);
            await this.o.state.update((s) => ({ ...s, seq: Math.max(s.seq, head.seq) }));
          } catch (err) {
            this.persistFailed(head.seq, err);
            return;
          }
          this.unpersisted.shift();
          head.persisted.resolve();
          this.persistOk();
          this.send(head.seq, head.payload);
        }
        for (const seq of [...this.undeleted]) {
          try {
            await rm(this.outboxFile(seq), { force: true });
            this.undeleted.delete(seq);
          } catch {
            break; // still refused: tried again after the next write
          }
        }
      } finally {
        this.persisting = undefined;
      }
    })();
    return this.persisting;
  }

  private persistFailed(seq: number, err: unknown): void {
    if (!this.degraded) {
      this.degraded = { reason: DeviceErrorCodes.STORAGE, since: this.o.clock.now() };
      this.log.error(
        { seq, err: errorMessage(err), code: DeviceErrorCodes.STORAGE },
        'cannot write the telemetry outbox; windows wait in memory and the write is retried',
      );
    }
    if (this.closed || this.persistTimer !== undefined) return;
    this.persistTimer = this.o.clock.setTimeout(() => {
      this.persistTimer = undefined;
      void this.persistAll();
    }, this.persistDelay);
    this.persistDelay = Math.min(MAX_PERSIST_RETRY_MS, this.persistDelay * 2);
  }

  private persistOk(): void {
    this.persistDelay = this.persistRetryMs;
    if (!this.degraded) return;
    this.log.info({ degradedMs: this.o.clock.now() - this.degraded.since }, 'telemetry outbox writable again');
    this.degraded = undefined;
  }

  private send(seq: number, payload: Buffer): void {
    if (this.closed) return;
    const u: Unreceipted = { payload, tries: 0, dueAt: 0, receipted: deferred() };
    this.unreceipted.set(seq, u);
    this.publish(u);
  }

  private publish(u: Unreceipted): void {
    u.dueAt = this.o.clock.now() + Math.min(this.maxResendMs, this.resendMs * 2 ** u.tries);
    u.tries++;
    this.armResend();
    if (this.closed || !this.o.transport.connected) return;
    // The PUBACK is ignored: only the gateway's receipt removes the window.
    this.o.transport.publish(this.topic, u.payload, { qos: 1 }).catch((err: unknown) => {
      this.log.debug({ err: errorMessage(err) }, 'telemetry window not sent; sent again later');
    });
  }

  private armResend(): void {
    if (this.closed || this.resendTimer !== undefined || this.unreceipted.size === 0) return;
    let due = Infinity;
    for (const u of this.unreceipted.values()) due = Math.min(due, u.dueAt);
    this.resendTimer = this.o.clock.setTimeout(
      () => {
        this.resendTimer = undefined;
        const now = this.o.clock.now();
        for (const u of this.unreceipted.values()) if (u.dueAt <= now) this.publish(u);
        this.armResend();
      },
      Math.max(10, due - this.o.clock.now()),
    );
  }

  private onReceipt(item: Extract<ReceiptItem, { kind: 'telemetry' }>): void {
    const u = this.unreceipted.get(item.seq);
    if (!u) return;
    this.unreceipted.delete(item.seq);
    this.deleting++;
    // A file that cannot be deleted now is deleted after the next successful outbox write (or sent
    // again on the next start and receipted as a duplicate).
    rm(this.outboxFile(item.seq), { force: true })
      .catch((err: unknown) => {
        this.undeleted.add(item.seq);
        this.log.warn({ seq: item.seq, err: errorMessage(err) }, 'receipted window not deleted from the outbox yet');
      })
      .finally(() => {
        this.deleting--;
        this.windowsSent++;
        u.receipted.resolve(item.seq);
      });
  }

  private outboxFile(seq: number): string {
    return path.join(this.outboxDir, `${seq}.json`);
  }
}
