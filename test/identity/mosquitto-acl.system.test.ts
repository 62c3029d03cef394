/**
 * The files `outpost acl mosquitto` writes, on Debian's mosquitto (docs/SECURITY.md "External
 * broker"; the package is listed in .ci/system-packages): an enrolled device publishes its
 * telemetry, and can read neither another device's topics nor `#`; anonymous clients and wrong
 * passwords are refused.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@outpost/protocol';
import { issueCredentials } from '@outpost/protocol/node';
import { openGatewayCredentials } from '@outpost/gateway';
import { freePort, runCli, sleep } from '../fault/processes.ts';

let dir: string;
let broker: ChildProcess | undefined;
let url: string;
const creds: Record<string, { username: string; password: string }> = {};
const clients: MqttClient[] = [];

beforeAll(async () => {
  const found = spawnSync('mosquitto', ['-h']);
  if (found.error) throw new Error('mosquitto is not installed: apt-get install -y mosquitto (.ci/system-packages)');
  dir = mkdtempSync(join(tmpdir(), 'outpost-mosquitto-'));
  const gatewayDir = join(dir, 'gateway');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(gatewayDir);
  const store = openGatewayCredentials(gatewayDir);
  try {
    for (const id of ['dev-a', 'dev-b']) creds[id] = issueCredentials(store, id, Date.now());
  } finally {
    store.close();
  }
  const port = await freePort();
  const out = join(dir, 'broker');
  await runCli(
    'acl',
    [
      'acl',
      'mosquitto',
      '--tier',
      'gateway',
      '--gateway-id',
      'site-1',
      '--data-dir',
      gatewayDir,
      '--out',
      out,
      '--port',
      String(port),
    ],
    dir,
  );
  creds.service = JSON.parse(readFileSync(join(out, 'service-credentials.json'), 'utf8')) as {
    username: string;
    password: string;
  };
  const conf = join(out, 'mosquitto.conf');
  // Run as root here, mosquitto would drop to its own user and could not read the 0600 files.
  if (process.getuid?.() === 0) appendFileSync(conf, 'user root\n');
  broker = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  broker.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  broker.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  url = `mqtt://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (broker.exitCode !== null) throw new Error(`mosquitto exited:\n${log}`);
    if ((await connect({ clientId: 'probe' }).catch(() => 'refused')) === 'refused' && log.includes('running')) break;
    if (Date.now() > deadline) throw new Error(`mosquitto did not start:\n${log}`);
    await sleep(100);
  }
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true);
  broker?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function connect(opts: { clientId: string; username?: string; password?: string }): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...opts });
    c.once('connect', () => {
      clients.push(c);
      resolve(c);
    });
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
    c.once('close', () => reject(new Error('closed')));
  });
}

const as = (id: string): Promise<MqttClient> =>
  connect({ clientId: id, ...(creds[id] as { username: string; password: string }) });

describe('mosquitto with the generated ACL and password files', () => {
  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(connect({ clientId: 'anon' })).rejects.toMatchObject({ code: 5 });
    await expect(connect({ clientId: 'dev-a', username: 'dev-a', password: 'guess' })).rejects.toMatchObject({
      code: 5,
    });
  });

  it('a device publishes its telemetry; another device reads neither it, its desired state, nor anything via #', async () => {
    const service = await as('service');
    const atService: string[] = [];
    service.on('message', (t, p) => atService.push(`${t} ${p.toString()}`));
    await service.subscribeAsync(topics.all('devices', 'telemetry'), { qos: 1 });

    const spy = await as('dev-b');
    const atSpy: string[] = [];
    spy.on('message', (t) => atSpy.push(t));
    for (const f of [
      '#',
      'outpost/v1/devices/+/telemetry',
      topics.device('dev-a', 'desired'),
      topics.device('dev-a', 'telemetry'),
    ])
      await spy.subscribeAsync(f, { qos: 1 }).catch(() => undefined);

    const devA = await as('dev-a');
    await devA.publishAsync(topics.device('dev-a', 'telemetry'), 'window-1', { qos: 1 });
    await service.publishAsync(topics.device('dev-a', 'desired'), '{}', { qos: 1, retain: true });
    // dev-b publishing as dev-a is dropped by the broker.
    await spy.publishAsync(topics.device('dev-a', 'telemetry'), 'forged', { qos: 1 });
    await devA.publishAsync(topics.device('dev-a', 'telemetry'), 'window-2', { qos: 1 });

    const deadline = Date.now() + 5000;
    while (atService.length < 2 && Date.now() < deadline) await sleep(20);
    await sleep(300);
    expect(atService).toEqual([
      `${topics.device('dev-a', 'telemetry')} window-1`,
      `${topics.device('dev-a', 'telemetry')} window-2`,
    ]);
    expect(atSpy).toEqual([]);
  });
});
