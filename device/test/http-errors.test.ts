/**
 * Every 5xx the device's HTTP API returns is logged with its cause (docs/ARCHITECTURE.md
 * "Logging"), through the shared `logServerErrors` hook; 4xx replies are not logged as errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OutpostError, systemClock, type Logger } from '@outpost/protocol';
import { DeviceErrorCodes } from '../src/index.ts';
import { startHttpServer, type DeviceHttpServer } from '../src/http/server.ts';
import type { LoadedModel } from '../src/slots.ts';

interface Logged {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function recordingLogger(into: Logged[]): Logger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void =>
      void into.push({ level, obj: obj as Record<string, unknown>, msg });
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}

let server: DeviceHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(predictError: Error, logged: Logged[]): Promise<string> {
  server = await startHttpServer({
    clock: systemClock,
    logger: recordingLogger(logged),
    // A model taking one required number, so a well-formed request reaches `predict`.
    active: () =>
      ({ manifest: { inputs: [{ name: 'x', type: 'float' }] }, acceptsMissing: new Set() }) as unknown as LoadedModel,
    predict: () => Promise.reject(predictError),
    predictions: () => 0,
  });
  return server.url;
}

const predict = (url: string, body: unknown): Promise<Response> =>
  fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('device HTTP 5xx logging', () => {
  it('logs an unexpected failure (500) with its cause', async () => {
    const logged: Logged[] = [];
    const cause = new Error('engine exploded');
    const url = await serve(cause, logged);
    const res = await predict(url, { inputs: { x: 1 } });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(DeviceErrorCodes.INTERNAL);
    await expect.poll(() => logged.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(logged[0]?.obj).toMatchObject({ status: 500, method: 'POST', url: '/predict', err: cause });
  });

  it('logs a coded 5xx with its code, and leaves a 400 alone', async () => {
    const logged: Logged[] = [];
    const failure = new OutpostError(DeviceErrorCodes.INFERENCE_FAILED, 'batch failed');
    const url = await serve(failure, logged);
    expect((await predict(url, { wrong: true })).status).toBe(400);
    expect((await predict(url, { inputs: { x: 1 } })).status).toBe(500);
    await expect.poll(() => logged.length).toBe(1);
    expect(logged[0]).toMatchObject({ level: 'error', obj: { status: 500, err: failure } });
    expect((logged[0]?.obj['err'] as OutpostError).code).toBe(DeviceErrorCodes.INFERENCE_FAILED);
  });
});
