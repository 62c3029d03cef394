/**
 * GET /openapi.json documents the device API from the same zod schemas the server validates with,
 * and the server's real replies — success and error — fit the documented schemas.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArtifactFolder } from '@outpost/protocol/node';
import { createOrtNodeEngine, startDevice, type Device } from '../src/index.ts';
import { ErrorReply, HealthReply, LabelReply, ModelReply, PredictReply, ReviewReply } from '../src/http/api.ts';
import { provisionModel } from '../src/provision.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const BUILD = path.join(ROOT, 'firmware-models', 'occupancy', '2');
const KEY = readFileSync(path.join(ROOT, 'firmware-models', 'signing.pub'), 'utf8');

describe('the device API document', () => {
  let root: string;
  let bare: Device;
  let served: Device;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-openapi-'));
    const engine = createOrtNodeEngine();
    const common = { brokerUrl: 'mqtt://127.0.0.1:9', publicKeyPem: KEY, engine };
    bare = await startDevice({ id: 'api-bare', dataDir: path.join(root, 'bare'), ...common });
    await provisionModel({
      dataDir: path.join(root, 'served'),
      bundle: readArtifactFolder(BUILD),
      publicKeyPem: KEY,
      engine,
    });
    served = await startDevice({ id: 'api-served', dataDir: path.join(root, 'served'), ...common });
  });
  afterAll(async () => {
    await bare?.close();
    await served?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const get = async (d: Device, p: string): Promise<{ status: number; body: unknown }> => {
    const r = await fetch(`${d.httpUrl}${p}`);
    return { status: r.status, body: await r.json() };
  };
  const post = async (d: Device, body: unknown): Promise<{ status: number; body: unknown }> => {
    const r = await fetch(`${d.httpUrl}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: await r.json() };
  };

  it('is an OpenAPI 3.1 document with every route and its request schema', async () => {
    const { status, body } = await get(served, '/openapi.json');
    expect(status).toBe(200);
    const doc = body as { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/health',
      '/label',
      '/metrics',
      '/model',
      '/openapi.json',
      '/predict',
      '/review',
    ]);
    const predict = doc.paths['/predict']?.post as {
      requestBody: {
        content: { 'application/json': { schema: { anyOf: { properties: Record<string, unknown> }[] } } };
      };
      responses: Record<string, unknown>;
    };
    const bodies = predict.requestBody.content['application/json'].schema.anyOf.map((s) => Object.keys(s.properties));
    expect(bodies).toEqual([['inputs'], ['rows']]);
    expect(Object.keys(predict.responses).sort()).toEqual(['200', '400', '413', '415', '503']);
  });

  it('the real replies fit the documented schemas', async () => {
    const golden = (
      JSON.parse(readFileSync(path.join(BUILD, 'manifest.json'), 'utf8')) as {
        golden: { inputs: Record<string, unknown> }[];
      }
    ).golden[0]?.inputs;
    const ok = await post(served, { inputs: golden });
    expect(ok.status).toBe(200);
    PredictReply.parse(ok.body);
    HealthReply.parse((await get(served, '/health')).body);
    HealthReply.parse((await get(bare, '/health')).body);
    ModelReply.parse((await get(served, '/model')).body);
    ReviewReply.parse((await get(served, '/review')).body);
    const id = (ok.body as { ids: string[] }).ids[0];
    const labelled = await fetch(`${served.httpUrl}/label`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ predictionId: id, label: 1 }),
    });
    LabelReply.parse(await labelled.json());
    for (const [status, reply] of [
      [400, await post(served, { inputs: { Light: 'dark' } })],
      [400, await post(served, { nothing: 1 })],
      [503, await post(bare, { inputs: golden })],
      [503, await get(bare, '/model')],
    ] as const) {
      expect(reply.status).toBe(status);
      ErrorReply.parse(reply.body);
    }
  });
});
