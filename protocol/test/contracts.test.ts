import { describe, expect, it } from 'vitest';
import {
  ArtifactChunkRequest,
  DesiredState,
  ErrorCodes,
  Manifest,
  TelemetryWindow,
  binIndex,
  canonicalJson,
  decode,
  generateSigningKeyPair,
  isOutpostError,
  parseTopic,
  topics,
  verifyArtifact,
  verifyManifest,
} from '../src/index.ts';
import { topicMatches } from '../src/topic-match.ts';
import { fixtureManifest, signedFixture } from './helpers.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isOutpostError(err) ? err.code : `not an OutpostError: ${String(err)}`;
  }
  return undefined;
}

describe('topics', () => {
  it('builds and parses every leaf for both kinds', () => {
    expect(topics.gateway('site-1', 'desired')).toBe('outpost/v1/gateways/site-1/desired');
    expect(topics.device('dev.7', 'artifactRequest')).toBe('outpost/v1/devices/dev.7/artifacts/req');
    expect(parseTopic('outpost/v1/devices/dev.7/artifacts/chunk')).toEqual({
      kind: 'devices',
      id: 'dev.7',
      leaf: 'artifactChunk',
    });
    expect(parseTopic(topics.gateway('g', 'reported'))).toEqual({ kind: 'gateways', id: 'g', leaf: 'reported' });
  });

  it('refuses ids that would break the topic tree, and foreign topics', () => {
    expect(codeOf(() => topics.device('a/b', 'telemetry'))).toBe(ErrorCodes.ID_INVALID);
    expect(codeOf(() => topics.device('+', 'telemetry'))).toBe(ErrorCodes.ID_INVALID);
    expect(codeOf(() => parseTopic('outpost/v2/devices/a/telemetry'))).toBe(ErrorCodes.TOPIC_INVALID);
    expect(codeOf(() => parseTopic('outpost/v1/devices/a/nope'))).toBe(ErrorCodes.TOPIC_INVALID);
  });

  it('matches MQTT wildcards', () => {
    expect(topicMatches(topics.all('devices', 'telemetry'), topics.device('d1', 'telemetry'))).toBe(true);
    expect(topicMatches(topics.all('devices', 'telemetry'), topics.device('d1', 'labels'))).toBe(false);
    expect(topicMatches('outpost/#', 'outpost/v1/x')).toBe(true);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
  it('refuses non-finite numbers naming the path', () => {
    expect(codeOf(() => canonicalJson({ a: [1, Number.NaN] }))).toBe(ErrorCodes.CANONICAL_JSON);
  });
});

describe('decode', () => {
  const good = { target: 'gw1', revision: 1, issuedAt: '2026-01-01T00:00:00Z', models: [] };
  it('accepts a valid message', () => {
    expect(decode(DesiredState, JSON.stringify(good), 'desired').revision).toBe(1);
  });
  it('names the bad field', () => {
    try {
      decode(DesiredState, JSON.stringify({ ...good, revision: 'one' }), 'desired');
      expect.unreachable();
    } catch (err) {
      expect(isOutpostError(err, ErrorCodes.SCHEMA_INVALID)).toBe(true);
      expect((err as { details: { field: string } }).details.field).toBe('revision');
    }
  });
  it('separates not-JSON, too large and missing field', () => {
    expect(codeOf(() => decode(DesiredState, '{nope', 'desired'))).toBe(ErrorCodes.NOT_JSON);
    expect(codeOf(() => decode(DesiredState, JSON.stringify(good), 'desired', 10))).toBe(ErrorCodes.PAYLOAD_TOO_LARGE);
    const { models: _m, ...missing } = good;
    expect(codeOf(() => decode(DesiredState, JSON.stringify(missing), 'desired'))).toBe(ErrorCodes.SCHEMA_INVALID);
  });
  it('defaults the chunk size and caps it', () => {
    const req = { requestId: 'r', artifactId: 'a'.repeat(64), file: 'model.onnx', index: 0 };
    expect(decode(ArtifactChunkRequest, JSON.stringify(req), 'req').chunkBytes).toBe(64 * 1024);
    expect(codeOf(() => decode(ArtifactChunkRequest, JSON.stringify({ ...req, chunkBytes: 10 ** 9 }), 'req'))).toBe(
      ErrorCodes.SCHEMA_INVALID,
    );
  });
  it('checks a telemetry window latency histogram length', () => {
    const w = {
      device: 'd',
      seq: 0,
      model: 'm',
      version: 1,
      artifactId: 'a'.repeat(64),
      windowStart: '2026-01-01T00:00:00Z',
      windowEnd: '2026-01-01T00:00:10Z',
      rows: 0,
      features: {},
      predictions: { bins: [], min: null, max: null, sum: 0 },
      latency: { counts: [1], maxMs: 0 },
      errors: 0,
    };
    expect(codeOf(() => decode(TelemetryWindow, JSON.stringify(w), 'telemetry'))).toBe(ErrorCodes.SCHEMA_INVALID);
  });
});

describe('binIndex', () => {
  it('puts edge values in the upper bin', () => {
    const edges = [1, 2, 3];
    expect([0.5, 1, 1.5, 2, 3, 99, -99].map((x) => binIndex(edges, x))).toEqual([0, 1, 1, 2, 3, 3, 0]);
    expect(binIndex([], 5)).toBe(0);
  });
});

describe('manifest signing and artifact verification', () => {
  const model = new Uint8Array([1, 2, 3, 4, 5]);
  it('round-trips: schema, signature and file hashes pass', () => {
    const f = signedFixture([{ path: 'model.onnx', bytes: model }]);
    const files = new Map([['model.onnx', model]]);
    const m = verifyArtifact({ manifestBytes: f.manifestBytes, files }, f.keys.publicKeyPem, f.artifactId);
    expect(m.name).toBe('fixture');
    expect(Manifest.safeParse(m).success).toBe(true);
  });
  it('refuses a flipped model byte, a flipped manifest byte, another key and a missing signature', () => {
    const f = signedFixture([{ path: 'model.onnx', bytes: model }]);
    const tampered = Uint8Array.from(model);
    tampered[2] = (tampered[2] as number) ^ 0xff;
    expect(
      codeOf(() =>
        verifyArtifact(
          { manifestBytes: f.manifestBytes, files: new Map([['model.onnx', tampered]]) },
          f.keys.publicKeyPem,
        ),
      ),
    ).toBe(ErrorCodes.HASH_MISMATCH);
    const text = Buffer.from(f.manifestBytes).toString('utf8').replace('"version":1', '"version":2');
    const files = new Map([['model.onnx', model]]);
    expect(codeOf(() => verifyArtifact({ manifestBytes: Buffer.from(text), files }, f.keys.publicKeyPem))).toBe(
      ErrorCodes.SIGNATURE_INVALID,
    );
    expect(
      codeOf(() => verifyArtifact({ manifestBytes: Buffer.from(text), files }, f.keys.publicKeyPem, f.artifactId)),
    ).toBe(ErrorCodes.HASH_MISMATCH);
    expect(
      codeOf(() => verifyArtifact({ manifestBytes: f.manifestBytes, files }, generateSigningKeyPair().publicKeyPem)),
    ).toBe(ErrorCodes.SIGNATURE_INVALID);
    const unsigned = fixtureManifest([{ path: 'model.onnx', bytes: model }]);
    expect(codeOf(() => verifyManifest(unsigned as Manifest, f.keys.publicKeyPem))).toBe(ErrorCodes.SIGNATURE_MISSING);
  });
  it('refuses a signature whose key id was changed (the key id is outside the signed bytes; found by the fuzzer)', () => {
    const f = signedFixture([{ path: 'model.onnx', bytes: model }]);
    const m = JSON.parse(Buffer.from(f.manifestBytes).toString('utf8')) as Manifest;
    const sig = m.signature as NonNullable<Manifest['signature']>;
    const flipped: Manifest = {
      ...m,
      signature: {
        ...sig,
        keyId: `0${sig.keyId.slice(1)}` === sig.keyId ? `1${sig.keyId.slice(1)}` : `0${sig.keyId.slice(1)}`,
      },
    };
    expect(codeOf(() => verifyManifest(flipped, f.keys.publicKeyPem))).toBe(ErrorCodes.SIGNATURE_INVALID);
    expect(() => verifyManifest(m, f.keys.publicKeyPem)).not.toThrow();
  });
  it('refuses a manifest missing a field', () => {
    const { golden: _g, ...rest } = fixtureManifest([{ path: 'model.onnx', bytes: model }]);
    expect(Manifest.safeParse(rest).success).toBe(false);
  });
  it('refuses a reference profile whose freqs do not fit its edges', () => {
    const m = fixtureManifest([{ path: 'model.onnx', bytes: model }]);
    m.reference.features['x'] = { kind: 'numeric', edges: [1, 2], freqs: [1], missing: 0 };
    const r = Manifest.safeParse(m);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path.join('.')).toBe('reference.features.x.freqs');
  });
});
