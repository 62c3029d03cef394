import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  TelemetryWindow,
  decode,
  encode,
  errorMessage,
  topics,
  type Clock,
  type FeatureValue,
  type Logger,
  type Transport,
} from '@outpost/protocol';
import { writeFileAtomic } from '../store/atomic-file.ts';
import type { StateFile } from '../store/state-file.ts';
import { TelemetryWindowAccumulator, type WindowModel } from './window.ts';

export const DEFAULT_WINDOW_ROWS = 500;
export const DEFAULT_WINDOW_MS = 10_000;

export interface TelemetryPublisherOptions {
  deviceId: string;
  dataDir: string;
  state: StateFile;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  windowRows?: number;
  windowMs?: number;
}

export interface TelemetryStats {
  windowsSent: number;
  lastSeq: number;
  outboxDepth: number;
}

/**
 * Closes telemetry windows and delivers them at least once (docs/ARCHITECTURE.md "Telemetry": no loss,
 * no double counting). A window closes after `windowRows` rows, after `windowMs`, on a model change
 * and on `flush()`. Its seq is persisted in state.json before anything is sent, the window is
 * written to `<dataDir>/outbox/<seq>.json`, published QoS 1, and the file deleted after the PUBACK;
 * on start the outbox is sent again. The fleet dedups by (device, seq).
 */
export class TelemetryPublisher {
  private readonly windowRows: number;
  private readonly windowMs: number;
  private readonly outboxDir: string;
  private readonly topic: string;
  private readonly log: Logger;
  private model: WindowModel | undefined;
  private window: TelemetryWindowAccumulator | undefined;
  private timer: unknown;
  private seq: number;
  private chain: Promise<void> = Promise.resolve();
  private readonly pending = new Set<number>();
  /** Ack promises of windows closed in this process and not yet acknowledged. */
  private readonly inflight = new Map<number, Promise<number>>();
  private windowsSent = 0;
  private closed = false;

  constructor(private readonly o: TelemetryPublisherOptions) {
    this.windowRows = o.windowRows ?? DEFAULT_WINDOW_ROWS;
    this.windowMs = o.windowMs ?? DEFAULT_WINDOW_MS;
    this.outboxDir = path.join(o.dataDir, 'outbox');
    this.topic = topics.device(o.deviceId, 'telemetry');
    this.log = o.logger.child({ component: 'telemetry' });
    this.seq = o.state.get().seq;
  }

  /** Re-sends every window left in the outbox (a device killed mid-send loses nothing). */
  async start(): Promise<void> {
    await mkdir(this.outboxDir, { recursive: true });
    const all = await readdir(this.outboxDir);
    // A temp file is a window whose write a kill interrupted: its seq was never claimed (state.json
    // is written after the file), so the window was never sent and its seq will be used again.
    for (const f of all.filter((name) => name.startsWith('.') && name.endsWith('.tmp')))
      await rm(path.join(this.outboxDir, f), { force: true });
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
      this.pending.add(seq);
      resend.push([seq, payload]);
    }
    // A window persisted just before a kill may be ahead of state.json: catch the state up before
    // the window can be acknowledged and deleted, or its seq could be handed out again.
    if (this.seq > this.o.state.get().seq) await this.o.state.update((s) => ({ ...s, seq: Math.max(s.seq, this.seq) }));
    for (const [seq, payload] of resend) this.send(seq, payload).catch(() => undefined);
    if (seqs.length > 0) this.log.info({ windows: seqs.length }, 're-sending outbox');
  }

  /** The model new rows belong to; a change closes the open window. */
  setModel(model: WindowModel | undefined): void {
    if (this.model?.artifactId === model?.artifactId) return;
    this.closeWindow()?.acked.catch(() => undefined);
    this.model = model;
  }

  record(rows: readonly Record<string, FeatureValue>[], predictions: readonly number[], latencyMs: number): void {
    const w = this.open();
    if (!w) return;
    const share = rows.length > 0 ? latencyMs / rows.length : latencyMs;
    for (let i = 0; i < rows.length; i++) w.add(rows[i] as Record<string, FeatureValue>, predictions[i] ?? NaN, share);
    if (w.rows >= this.windowRows) this.closeWindow()?.acked.catch(() => undefined);
  }

  recordErrors(count: number): void {
    const w = this.open();
    if (w) w.errors += count;
  }

  /**
   * Publishes the open window if it has rows and waits until every window closed so far is
   * acknowledged; resolves with the seq of the window it closed (undefined if it was empty).
   */
  async flush(): Promise<number | undefined> {
    const closing = this.closeWindow();
    await Promise.all([...this.inflight.values()]);
    return closing ? closing.acked : undefined;
  }

  stats(): TelemetryStats {
    return { windowsSent: this.windowsSent, lastSeq: this.seq, outboxDepth: this.pending.size };
  }

  /** Stops the timer and writes the open window to the outbox (sent on the next start). */
  async close(): Promise<void> {
    const closing = this.closeWindow();
    this.closed = true;
    if (closing) await closing.persisted.catch(() => undefined);
    await this.chain;
  }

  private open(): TelemetryWindowAccumulator | undefined {
    if (this.closed || !this.model) return undefined;
    if (!this.window) {
      this.window = new TelemetryWindowAccumulator(this.model, this.o.clock.now());
      this.timer = this.o.clock.setTimeout(() => {
        this.timer = undefined;
        this.closeWindow()?.acked.catch(() => undefined);
      }, this.windowMs);
    }
    return this.window;
  }

  private closeWindow(): { persisted: Promise<void>; acked: Promise<number> } | undefined {
    const w = this.window;
    this.window = undefined;
    if (this.timer !== undefined) {
      this.o.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!w || (w.rows === 0 && w.errors === 0)) return undefined;
    const seq = ++this.seq;
    const payload = encode(w.toMessage(this.o.deviceId, seq, this.o.clock.now()));
    this.pending.add(seq);
    // The outbox file first, then seq in state.json. A kill between the two leaves the file, and
    // start() takes seq = max(state, outbox), so a restart never reuses a seq and never leaves a gap
    // (the fleet's ingestion is idempotent, docs/ARCHITECTURE.md "Telemetry"; test/fault checks seqs arrive as 1..n).
    const persisted = this.chain.then(async () => {
      await writeFileAtomic(this.outboxFile(seq), payload);
      await this.o.state.update((s) => ({ ...s, seq: Math.max(s.seq, seq) }));
    });
    this.chain = persisted.catch((err: unknown) =>
      this.log.error({ seq, err: errorMessage(err) }, 'cannot persist telemetry window'),
    );
    const acked = persisted.then(() => this.send(seq, payload));
    this.inflight.set(seq, acked);
    acked.then(
      () => this.inflight.delete(seq),
      () => this.inflight.delete(seq),
    );
    return { persisted, acked };
  }

  private async send(seq: number, payload: Buffer): Promise<number> {
    if (this.closed) throw new Error('telemetry publisher closed');
    try {
      await this.o.transport.publish(this.topic, payload, { qos: 1 });
    } catch (err) {
      this.log.warn({ seq, err: errorMessage(err) }, 'telemetry window not acknowledged; kept in the outbox');
      throw err;
    }
    await rm(this.outboxFile(seq), { force: true });
    this.pending.delete(seq);
    this.windowsSent++;
    return seq;
  }

  private outboxFile(seq: number): string {
    return path.join(this.outboxDir, `${seq}.json`);
  }
}
