/**
 * Every input boundary Outpost exposes, as fast-check properties shared by the fuzz test (a few
 * hundred cases each, in `npm test`) and `bench/fuzz.ts` (≥ 10,000 each). A boundary run on one
 * input ends in one of two ways: accepted (and then its own invariant holds — a decoded message
 * re-encodes to the same value, a verified manifest is the original's bytes), or refused with an
 * OutpostError whose code is in the error registry. Anything else — another exception, an
 * unregistered code, an accepted forgery — is a crash, and fails the property.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  ArtifactChunkRequest,
  canonicalJson,
  ArtifactChunkResponse,
  CommandMessage,
  DesiredState,
  LabelMessage,
  Receipt,
  ReportedState,
  ReviewItem,
  TelemetryWindow,
  decode,
  encode,
  errorDefinition,
  isOutpostError,
  parseTopic,
  topics,
  verifyArtifact,
  type ArtifactBundle,
} from '@outpost/protocol';
import {
  brokerUrlOption,
  durationOption,
  idOption,
  intOption,
  portOption,
  readArtifactFolder,
} from '@outpost/protocol/node';
import { parseFault } from '@outpost/device';
import type { z } from 'zod';

const ROOT = path.join(import.meta.dirname, '..', '..');
const BUILD = path.join(ROOT, 'firmware-models', 'occupancy', '2');
const KEY = readFileSync(path.join(ROOT, 'firmware-models', 'signing.pub'), 'utf8');
const SHA = 'a'.repeat(64);
const AT = '2026-12-04T12:00:00.000Z';

/** The outcome of one case. */
export type Outcome = { accepted: true } | { accepted: false; code: string };

export interface Boundary<T> {
  name: string;
  input: fc.Arbitrary<T>;
  /** Runs the boundary; throws (fails the property) on a crash or a broken invariant. */
  run(input: T): Outcome | Promise<Outcome>;
}

/** A refusal must be an OutpostError with a registered code; anything else is rethrown as a crash. */
export function refusal(err: unknown): Outcome {
  if (isOutpostError(err) && errorDefinition(err.code) !== undefined) return { accepted: false, code: err.code };
  throw err;
}

/** One valid example of each MQTT message type (the mutations start from these). */
const EXAMPLES: Record<string, { schema: z.ZodType; value: unknown }> = {
  telemetry: {
    schema: TelemetryWindow,
    value: {
      device: 'dev-1',
      gateway: 'gw-1',
      seq: 7,
      model: 'occupancy',
      version: 2,
      artifactId: SHA,
      windowStart: AT,
      windowEnd: AT,
      rows: 3,
      features: {
        Light: { kind: 'numeric', bins: [1, 2, 0], missing: 0, outOfRange: 0 },
        room: { kind: 'categorical', counts: [2, 1], missing: 0, unseen: 0 },
      },
      predictions: { bins: [1, 2], min: 0, max: 1, sum: 2 },
      latency: { counts: [0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0], maxMs: 0.8 },
      errors: 0,
    },
  },
  reported: {
    schema: ReportedState,
    value: {
      source: 'dev-1',
      kind: 'device',
      revision: 3,
      at: AT,
      status: 'converged',
      models: [{ name: 'occupancy', version: 2, artifactId: SHA, state: 'active' }],
    },
  },
  desired: {
    schema: DesiredState,
    value: {
      target: 'gw-1',
      revision: 4,
      issuedAt: AT,
      models: [{ name: 'occupancy', version: 2, artifactId: SHA, devices: ['dev-1'] }],
    },
  },
  label: {
    schema: LabelMessage,
    value: { device: 'dev-1', predictionId: 'dev-1-ab12-3', label: 1, at: AT },
  },
  review: {
    schema: ReviewItem,
    value: {
      device: 'dev-1',
      predictionId: 'dev-1-ab12-3',
      model: 'occupancy',
      version: 2,
      at: AT,
      inputs: { Light: 426, room: 'kitchen' },
      prediction: 1,
      confidence: 0.1,
      reason: 'low-margin',
    },
  },
  receipt: {
    schema: Receipt,
    value: {
      from: 'gw-1',
      at: AT,
      items: [
        { kind: 'telemetry', device: 'dev-1', seq: 7, outcome: 'stored' },
        { kind: 'label', device: 'dev-1', predictionId: 'dev-1-ab12-3', outcome: 'duplicate' },
      ],
    },
  },
  command: { schema: CommandMessage, value: { commandId: 'c-1', type: 'ping', issuedAt: AT } },
  chunkRequest: {
    schema: ArtifactChunkRequest,
    value: { requestId: 'r-1', artifactId: SHA, file: 'model.onnx', index: 0, chunkBytes: 65536 },
  },
  chunkResponse: {
    schema: ArtifactChunkResponse,
    value: {
      requestId: 'r-1',
      artifactId: SHA,
      file: 'model.onnx',
      index: 0,
      totalChunks: 1,
      totalBytes: 3,
      fileSha256: SHA,
      chunkSha256: SHA,
      data: 'AAAA',
    },
  },
};

type Json = unknown;

/** A JSON value changed at one random path: a key dropped, a value replaced, a key added, a type swapped. */
function mutated(example: Json): fc.Arbitrary<Json> {
  const paths: (string | number)[][] = [];
  const walk = (v: Json, p: (string | number)[]): void => {
    paths.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(example, []);
  const edge = fc.oneof(
    fc.jsonValue(),
    fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 53, 0.5, '', 'x'.repeat(300), '../../etc/passwd', '$SYS/#', '+', '#'),
    fc.string({ unit: 'binary', maxLength: 80 }),
  );
  return fc
    .tuple(fc.constantFrom(...paths), fc.integer({ min: 0, max: 3 }), edge, fc.string({ maxLength: 12 }))
    .map(([p, op, value, key]) => {
      const copy = structuredClone(example) as Json;
      if (p.length === 0) return op === 0 ? value : copy;
      const parent = p.slice(0, -1).reduce<Json>((o, k) => (o as Record<string | number, Json>)[k], copy) as Record<
        string | number,
        Json
      >;
      const last = p[p.length - 1] as string | number;
      if (op === 0) delete parent[last];
      else if (op === 1) parent[last] = value;
      else if (op === 2) {
        // An added key on an object; on an array, an added element (an arbitrary key could be `length`).
        if (Array.isArray(parent)) parent.push(value);
        else parent[key] = value;
      } else parent[last] = Array.isArray(parent[last]) ? {} : [parent[last]];
      return copy;
    });
}

/** Bytes for a message: a mutated example, any JSON, or any bytes at all (truncated, binary, huge). */
export function payloads(example: Json): fc.Arbitrary<Uint8Array> {
  const json = fc.oneof({ weight: 6, arbitrary: mutated(example) }, { weight: 1, arbitrary: fc.jsonValue() });
  return fc.oneof(
    { weight: 8, arbitrary: json.map((v) => new Uint8Array(encode(v))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    {
      weight: 1,
      arbitrary: fc.tuple(json, fc.nat()).map(([v, cut]) => {
        const b = encode(v);
        return new Uint8Array(b.subarray(0, cut % (b.length + 1)));
      }),
    },
  );
}

export const messageBoundaries: Boundary<Uint8Array>[] = Object.entries(EXAMPLES).map(([name, { schema, value }]) => ({
  name: `MQTT ${name} payload`,
  input: payloads(value),
  run(bytes) {
    let decoded: unknown;
    try {
      decoded = decode(schema, bytes, name);
    } catch (err) {
      return refusal(err);
    }
    // Accepted: it is a message of its type, and survives the trip back to bytes unchanged.
    const again = decode(schema, encode(decoded), name);
    if (JSON.stringify(again) !== JSON.stringify(decoded)) throw new Error(`${name} changed on re-encoding`);
    return { accepted: true };
  },
}));

/** Topics: anything a client might publish on. A parsed topic rebuilds to itself. */
export const topicBoundary: Boundary<string> = {
  name: 'MQTT topic',
  input: fc.oneof(
    fc.string({ maxLength: 120 }),
    fc
      .tuple(
        fc.constantFrom('gateways', 'devices', 'x', ''),
        fc.oneof(fc.string({ maxLength: 70 }), fc.constantFrom('gw-1', 'dev-1', '+', '#', '..', '$SYS')),
        fc.constantFrom(
          'desired',
          'reported',
          'telemetry',
          'labels',
          'review',
          'acks',
          'artifacts/req',
          'artifacts/chunk',
          'x',
        ),
      )
      .map(([k, id, leaf]) => `outpost/v1/${k}/${id}/${leaf}`),
  ),
  run(topic) {
    let parsed;
    try {
      parsed = parseTopic(topic);
    } catch (err) {
      return refusal(err);
    }
    const rebuilt =
      parsed.kind === 'gateways' ? topics.gateway(parsed.id, parsed.leaf) : topics.device(parsed.id, parsed.leaf);
    if (rebuilt !== topic) throw new Error(`topic ${topic} parsed to ${rebuilt}`);
    return { accepted: true };
  },
};

/**
 * A signed manifest with one change: only the signed content may verify. The signature covers the
 * canonical JSON of the manifest, so the same content written with other whitespace or key order
 * verifies too (its artifact id, the sha256 of the bytes, differs, and a node that expects an id
 * refuses it); what must never verify is different content.
 */
export function manifestBoundary(): Boundary<Uint8Array> {
  const original = readArtifactFolder(BUILD);
  const example = JSON.parse(Buffer.from(original.manifestBytes).toString('utf8')) as Json;
  const content = (b: Uint8Array): string => canonicalJson(JSON.parse(Buffer.from(b).toString('utf8')));
  const signed = content(original.manifestBytes);
  return {
    name: 'artifact manifest',
    input: fc.oneof(
      { weight: 9, arbitrary: payloads(example) },
      // Bytes flipped in place, so the JSON often still parses.
      {
        weight: 3,
        arbitrary: fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
          const b = Buffer.from(original.manifestBytes);
          const i = at % b.length;
          b.writeUInt8(b.readUInt8(i) ^ x, i);
          return new Uint8Array(b);
        }),
      },
    ),
    run(bytes) {
      const bundle: ArtifactBundle = { manifestBytes: bytes, files: original.files };
      try {
        verifyArtifact(bundle, KEY);
      } catch (err) {
        return refusal(err);
      }
      if (content(bytes) !== signed) throw new Error('a manifest with other content verified');
      return { accepted: true };
    },
  };
}

/** Command-line values through the option parsers every tier's CLI uses. */
export const cliBoundaries: Boundary<string>[] = [
  ['--port', portOption('--port')],
  ['--window-rows', intOption('--window-rows', { min: 1, max: 1_000_000 })],
  ['--window-ms', durationOption('--window-ms', { min: 10, max: 86_400_000 })],
  ['--broker', brokerUrlOption('--broker')],
  ['--id', idOption('--id')],
  ['--fault', (v: string) => parseFault(v)],
].map(([name, parse]) => ({
  name: `CLI ${name as string}`,
  input: fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.constantFrom(
      '0',
      '-1',
      '65536',
      '1e3',
      '0x10',
      '10ms',
      '24h',
      '1d',
      'mqtt://h',
      'mqtts://h:1',
      'http://h',
      'stuck:CO2@1',
      'a/b',
      '',
    ),
  ),
  run(value: string) {
    try {
      (parse as (v: string, prev?: unknown) => unknown)(value, undefined);
    } catch (err) {
      return refusal(err);
    }
    return { accepted: true };
  },
}));

/** POST /predict bodies (sent over real HTTP by the caller): mutated rows, any JSON, any bytes. */
export const predictBodies: fc.Arbitrary<Uint8Array> = payloads({
  rows: [{ Light: 426 }, { Light: 441.5 }],
});
