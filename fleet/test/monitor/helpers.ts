/**
 * Monitoring fixtures: a manifest shaped like the occupancy model (two numeric sensors, a category,
 * a binary prediction) and telemetry windows at chosen times with chosen counts.
 */
import {
  LATENCY_BOUNDS_MS,
  MANIFEST_SCHEMA,
  sha256Hex,
  type Clock,
  type Manifest,
  type TelemetryWindow,
} from '@outpost/protocol';

export const T0 = Date.parse('2025-03-01T00:00:00.000Z');
export const MIN = 60_000;
export const HOUR = 60 * MIN;

/** temp: 5 bins over [18, 20, 22, 24]; co2: 5 bins over [400, 600, 800, 1000]; room a/b/c; prediction 2 bins. */
export const REF = {
  temp: [0.1, 0.2, 0.4, 0.2, 0.1],
  co2: [0.2, 0.3, 0.3, 0.1, 0.1],
  room: [0.5, 0.3, 0.2],
  pred: [0.6, 0.4],
};

export function monitorManifest(name = 'occupancy', version = 1, task: Manifest['task'] = 'binary'): Manifest {
  return {
    schema: MANIFEST_SCHEMA,
    name,
    version,
    parentVersion: version > 1 ? version - 1 : null,
    createdAt: '2025-01-01T00:00:00.000Z',
    task,
    inputs: [
      { name: 'temp', type: 'float', range: [10, 35] },
      { name: 'co2', type: 'float', range: [300, 2000] },
      { name: 'room', type: 'string', categories: ['a', 'b', 'c'] },
    ],
    outputs: [{ name: 'p', type: 'float', shape: [1] }],
    predictionOutput: 'p',
    files: [{ path: 'model.onnx', role: 'model', bytes: 1, sha256: sha256Hex('m') }],
    metrics:
      task === 'regression'
        ? { cv: { metric: 'rmse', value: 1, std: 0.1, folds: 5 } }
        : {
            cv: { metric: 'accuracy', value: 0.9, std: 0.02, folds: 5 },
            validation: { metric: 'accuracy', value: 0.91 },
          },
    trainingData: { fingerprint: sha256Hex('t'), rows: 1000, source: 'fixture' },
    golden: [{ inputs: { temp: 21, co2: 500, room: 'a' }, outputs: { p: [0.2] } }],
    reference: {
      rows: 1000,
      features: {
        temp: { kind: 'numeric', edges: [18, 20, 22, 24], freqs: REF.temp, missing: 0 },
        co2: { kind: 'numeric', edges: [400, 600, 800, 1000], freqs: REF.co2, missing: 0 },
        room: { kind: 'categorical', categories: ['a', 'b', 'c'], freqs: REF.room, missing: 0 },
      },
      prediction: { kind: 'numeric', edges: [0.5], freqs: REF.pred, missing: 0 },
    },
    trainer: { algorithm: 'fixture', seed: 1, params: {} },
  };
}

/** `n` rows spread over bins in proportion to `freqs` (rounding leftovers to the first bin). */
export function like(freqs: readonly number[], n: number): number[] {
  const out = freqs.map((f) => Math.floor(f * n));
  out[0] = (out[0] as number) + n - out.reduce((a, b) => a + b, 0);
  return out;
}

export interface WindowSpecOpts {
  device: string;
  seq: number;
  /** Window start (ms); the window lasts 10 minutes. */
  at: number;
  gateway?: string;
  version?: number;
  model?: string;
  rows?: number;
  temp?: number[];
  co2?: number[];
  /** [a, b, c, unseen] */
  room?: number[];
  pred?: number[];
  missing?: Partial<Record<'temp' | 'co2' | 'room', number>>;
  outOfRange?: Partial<Record<'temp' | 'co2', number>>;
  /** Per-feature [min, max] of the window's values. */
  minMax?: Partial<Record<'temp' | 'co2', [number, number]>>;
}

/** A telemetry window of the monitor manifest; unspecified counts follow the reference. */
export function monitorWindow(o: WindowSpecOpts): TelemetryWindow {
  const rows = o.rows ?? 100;
  const numeric = (name: 'temp' | 'co2', bins: number[] | undefined) => {
    const missing = o.missing?.[name] ?? 0;
    const counts = bins ?? like(REF[name], rows - missing);
    const mm = o.minMax?.[name];
    return {
      kind: 'numeric' as const,
      bins: counts,
      missing,
      outOfRange: o.outOfRange?.[name] ?? 0,
      ...(mm ? { min: mm[0], max: mm[1] } : {}),
    };
  };
  const roomMissing = o.missing?.room ?? 0;
  const room = o.room ?? [...like(REF.room, rows - roomMissing), 0];
  return {
    device: o.device,
    gateway: o.gateway ?? 'site-1',
    seq: o.seq,
    model: o.model ?? 'occupancy',
    version: o.version ?? 1,
    artifactId: sha256Hex('artifact'),
    windowStart: new Date(o.at).toISOString(),
    windowEnd: new Date(o.at + 10 * MIN).toISOString(),
    rows,
    features: {
      temp: numeric('temp', o.temp),
      co2: numeric('co2', o.co2),
      room: {
        kind: 'categorical',
        counts: room.slice(0, 3),
        missing: roomMissing,
        unseen: room[3] ?? 0,
      },
    },
    predictions: { bins: o.pred ?? like(REF.pred, rows), min: 0, max: 1, sum: rows * 0.4 },
    latency: { counts: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0), maxMs: 0.5 },
    errors: 0,
  };
}

/** A clock whose time only moves when the test says so; its timers fire as `advance` passes them. */
export function manualClock(start = T0): Clock & { advance(ms: number): void } {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void; every?: number }>();
  return {
    now: () => now,
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        const [id, t] = due;
        now = t.at;
        if (t.every !== undefined) t.at += t.every;
        else timers.delete(id);
        t.fn();
      }
      now = until;
    },
    setTimeout: (fn, ms) => {
      timers.set(nextId, { at: now + ms, fn });
      return nextId++;
    },
    clearTimeout: (h) => void timers.delete(h as number),
    setInterval: (fn, ms) => {
      timers.set(nextId, { at: now + ms, fn, every: ms });
      return nextId++;
    },
    clearInterval: (h) => void timers.delete(h as number),
  };
}
