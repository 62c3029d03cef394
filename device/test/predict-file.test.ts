/**
 * `outpost predict`: batch predictions for a CSV with a committed build — verified before it runs,
 * one output line per input row, a refused row kept with its reason, predictions equal to the
 * engine's on the same rows.
 */
import { EventEmitter } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { ErrorCodes, Manifest, generateSigningKeyPair, isOutpostError, parseCsv } from '@outpost/protocol';
import { readArtifactFolder, runProgram, type CliIO } from '@outpost/protocol/node';
import { DeviceErrorCodes, createOrtNodeEngine, deviceCommands } from '../src/index.ts';
import { predictFile } from '../src/batch/predict-file.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const BUILD = path.join(ROOT, 'firmware-models', 'occupancy', '2');
const KEY_FILE = path.join(ROOT, 'firmware-models', 'signing.pub');
const KEY = readFileSync(KEY_FILE, 'utf8');
const DATA = path.join(ROOT, 'trainer', 'datasets', 'occupancy-detection', 'datatest.csv');

describe('batch prediction over a CSV file', () => {
  let root: string;
  let input: string;
  let source: string[][];
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-predict-'));
    const lines = readFileSync(DATA, 'utf8').trim().split('\n').slice(0, 2501);
    const header = (lines[0] as string).split(',');
    const light = header.indexOf('Light');
    // Three bad cells in a numeric column: each refuses its own row only.
    const bad: Record<number, string> = { 10: 'abc', 20: '', 30: 'NaN' };
    source = lines.slice(1).map((l, i) => {
      const cells = l.split(',');
      if (bad[i] !== undefined) cells[light] = bad[i] as string;
      return cells;
    });
    input = path.join(root, 'in.csv');
    writeFileSync(input, [header.join(','), ...source.map((c) => c.join(','))].join('\n') + '\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes one line per row: the engine’s prediction, or the reason the row was refused', async () => {
    const out = path.join(root, 'out.csv');
    const engine = createOrtNodeEngine();
    const result = await predictFile({
      bundle: readArtifactFolder(BUILD),
      publicKeyPem: KEY,
      engine,
      table: parseCsv(readFileSync(input, 'utf8'), input),
      outPath: out,
      batchSize: 700,
    });
    expect(result).toMatchObject({ predicted: 2497, refused: 3 });
    const written = parseCsv(readFileSync(out, 'utf8'), out);
    expect(written.header).toEqual(['line', 'prediction', 'error']);
    expect(written.rows).toHaveLength(2500);
    expect(written.rows[0]?.[0]).toBe('2'); // the input's own line numbers
    expect(written.rows[10]).toEqual(['12', '', `${DeviceErrorCodes.INPUT_INVALID}: Light is not-a-number`]);
    expect(written.rows[20]?.[2]).toBe(`${DeviceErrorCodes.INPUT_INVALID}: Light is null`);
    expect(written.rows[30]?.[2]).toBe(`${DeviceErrorCodes.INPUT_INVALID}: Light is not-finite`);

    // The same rows straight through the engine give the same predictions.
    const manifest = Manifest.parse(JSON.parse(readFileSync(path.join(BUILD, 'manifest.json'), 'utf8')));
    const session = await engine.load(readFileSync(path.join(BUILD, 'model.onnx')), manifest);
    const header = readFileSync(input, 'utf8').split('\n')[0]!.split(',');
    const light = header.indexOf('Light');
    const occupancy = header.indexOf('Occupancy');
    const good = source.map((c, i) => ({ c, i })).filter(({ i }) => ![10, 20, 30].includes(i));
    const direct = (await session.run(good.map(({ c }) => ({ Light: Number(c[light]) })))).predictions;
    await session.release();
    good.forEach(({ i }, k) => expect(Number(written.rows[i]?.[1])).toBe(direct[k]));
    // And they are the model's, not noise: the labels agree on most rows.
    const agree = good.filter(({ c, i }) => Number(written.rows[i]?.[1]) === Number(c[occupancy])).length;
    expect(agree / good.length).toBeGreaterThan(0.9);
  });

  it('verifies the artifact before anything runs: a tampered or foreign-signed one writes nothing', async () => {
    const tampered = path.join(root, 'tampered');
    cpSync(BUILD, tampered, { recursive: true });
    const model = readFileSync(path.join(tampered, 'model.onnx'));
    model.writeUInt8(model.readUInt8(100) ^ 0x01, 100);
    writeFileSync(path.join(tampered, 'model.onnx'), model);
    const table = parseCsv(readFileSync(input, 'utf8'), input);
    const out = path.join(root, 'never.csv');
    const engine = createOrtNodeEngine();
    await expect(
      predictFile({ bundle: readArtifactFolder(tampered), publicKeyPem: KEY, engine, table, outPath: out }),
    ).rejects.toSatisfy((e) => isOutpostError(e, ErrorCodes.HASH_MISMATCH));
    await expect(
      predictFile({
        bundle: readArtifactFolder(BUILD),
        publicKeyPem: generateSigningKeyPair().publicKeyPem,
        engine,
        table,
        outPath: out,
      }),
    ).rejects.toSatisfy((e) => isOutpostError(e, ErrorCodes.SIGNATURE_INVALID));
    expect(existsSync(out)).toBe(false);
  });

  it('`outpost predict` prints the summary and exits 0', async () => {
    const io: CliIO & { lines: string[]; code?: number } = {
      lines: [],
      out: (t) => io.lines.push(t),
      err: (t) => io.lines.push(t),
      setExitCode: (c) => (io.code = c),
    };
    const program = new Command('outpost');
    for (const c of deviceCommands({ io, signals: new EventEmitter() })) program.addCommand(c);
    const out = path.join(root, 'cli.csv');
    await runProgram(
      program,
      ['node', 'outpost', 'predict', '--artifact', BUILD, '--in', input, '--out', out, '--public-key', KEY_FILE],
      io,
    );
    expect(io.code).toBe(0);
    expect(io.lines.join('\n')).toMatch(
      /occupancy v2 \(signature verified, onnxruntime-node\): 2497 rows predicted, 3 refused/,
    );
    expect(parseCsv(readFileSync(out, 'utf8'), out).rows).toHaveLength(2500);
  });
});
