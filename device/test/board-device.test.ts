/**
 * `outpost device --board`: a device reading a sensor through johnny-five predicts each row
 * (seen on its /metrics), and a bad board config stops it before anything starts.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { CliErrorCodes } from '@outpost/protocol';
import { ExitCode, readArtifactFolder, runProgram, type CliIO } from '@outpost/protocol/node';
import { DeviceErrorCodes, createOrtNodeEngine, deviceCommands, provisionModel } from '../src/index.ts';
import { waitFor } from './helpers/fake-gateway.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const MODELS = path.join(ROOT, 'firmware-models');
const KEY_FILE = path.join(MODELS, 'signing.pub');
const TEST_IO = path.join(import.meta.dirname, 'helpers', 'test-io.ts');

interface Captured extends CliIO {
  lines: string[];
  exitCode?: number;
}

function start(args: string[], signals: EventEmitter): { io: Captured; done: Promise<unknown> } {
  const io: Captured = {
    lines: [],
    out: (t) => io.lines.push(t),
    err: (t) => io.lines.push(t),
    setExitCode: (c) => (io.exitCode = c),
  };
  const root = new Command('outpost').configureOutput({ writeErr: (s) => io.err(s), writeOut: (s) => io.out(s) });
  for (const c of deviceCommands({ io, signals })) root.addCommand(c);
  return { io, done: runProgram(root, ['node', 'outpost', 'device', ...args], io) };
}

describe('outpost device --board', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'outpost-board-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a bad board config, and --board with --replay, before starting', async () => {
    const bad = path.join(root, 'bad.yaml');
    writeFileSync(bad, 'board: { io: raspi-io }\nintervalMs: 5\nfeatures: { Light: { pin: A0, type: pwm } }\n');
    const base = ['--id', 'b0', '--data-dir', path.join(root, 'x'), '--broker', 'mqtt://127.0.0.1:1'];
    const r1 = start([...base, '--public-key', KEY_FILE, '--board', bad], new EventEmitter());
    await r1.done;
    expect(r1.io.exitCode).toBe(ExitCode.FAILURE);
    expect(r1.io.lines.join('\n')).toContain(DeviceErrorCodes.BOARD_CONFIG_INVALID);
    expect(r1.io.lines.join('\n')).toContain('features.Light.type');
    const r2 = start([...base, '--public-key', KEY_FILE, '--board', bad, '--replay', 'x.csv'], new EventEmitter());
    await r2.done;
    expect(r2.io.exitCode).toBe(ExitCode.USAGE);
    expect(r2.io.lines.join('\n')).toContain(CliErrorCodes.CLI_ARGS);
  });

  it('predicts each row its board reads', async () => {
    const dataDir = path.join(root, 'd');
    await provisionModel({
      dataDir,
      bundle: readArtifactFolder(path.join(MODELS, 'occupancy', '2')),
      publicKeyPem: readFileSync(KEY_FILE, 'utf8'),
      engine: createOrtNodeEngine(),
    });
    const board = path.join(root, 'board.yaml');
    writeFileSync(
      board,
      [
        'board:',
        `  io: ${path.relative(root, TEST_IO)}`,
        '  options: { values: { A0: 400 } }',
        'intervalMs: 20',
        'features:',
        '  Light: { pin: A0, scale: { factor: 1.5, offset: 0 } }',
      ].join('\n'),
    );
    const signals = new EventEmitter();
    const { io, done } = start(
      [
        '--id',
        'b1',
        '--data-dir',
        dataDir,
        '--broker',
        'mqtt://127.0.0.1:1',
        '--public-key',
        KEY_FILE,
        '--engine',
        'onnxruntime-node',
        '--board',
        board,
        '--log-level',
        'error',
      ],
      signals,
    );
    try {
      const url = await waitFor('the device to serve', () => io.lines.join('\n').match(/serving on (http:\S+)/)?.[1]);
      let metrics = '';
      await waitFor('three predictions from the board', () => {
        void fetch(`${url}/metrics`)
          .then((r) => r.text())
          .then(
            (t) => (metrics = t),
            () => undefined,
          );
        const n = Number(metrics.match(/^outpost_device_predictions_total\S* (\d+)/m)?.[1] ?? 0);
        return n >= 3;
      });
      const review = (await (await fetch(`${url}/review?limit=1`)).json()) as unknown;
      expect(review).toBeDefined();
    } finally {
      signals.emit('SIGTERM');
      await done;
    }
    expect(io.lines.join('\n')).toMatch(/read \d+ rows from the board/);
    expect(io.exitCode).toBe(ExitCode.OK);
  });
});
