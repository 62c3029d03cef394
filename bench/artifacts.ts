/**
 * The shipped models' artifacts in both runtimes: for each committed build in
 * firmware-models/<name>/<latest version>/ (housing, occupancy, shipping) and each of its model
 * files: size, session creation time and batch-1 / batch-1000 run time in onnxruntime-web and
 * onnxruntime-node (device session options: wasm with one thread on the web side, default
 * optimisation level on both), median and p95 (nearest rank), node/web ratio with web as the
 * anchor. Input rows are the first 1000 rows of the spec's training pool (never its test source).
 *
 *   npx tsx bench/artifacts.ts [--specs housing,occupancy,shipping] [--creations 50] [--runs 500]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import * as ortNode from 'onnxruntime-node';
import { Manifest, decode, type InputSpec } from '@outpost/protocol';
import { loadSpec, loadSpecData, type RawRecord } from '@outpost/trainer';
import { timeRuns, type Timing } from './lib/table.ts';

type Ort = typeof ortWeb | typeof ortNode;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

function feeds(ort: Ort, inputs: readonly InputSpec[], records: readonly RawRecord[]): Record<string, ortWeb.Tensor> {
  const out: Record<string, ortWeb.Tensor> = {};
  for (const input of inputs) {
    const values = records.map((r) => r[input.name]);
    out[input.name] = (
      input.type === 'float'
        ? new ort.Tensor(
            'float32',
            Float32Array.from(values, (v) => (typeof v === 'number' ? v : NaN)),
            [records.length, 1],
          )
        : new ort.Tensor(
            'string',
            values.map((v) => (typeof v === 'string' ? v : '')),
            [records.length, 1],
          )
    ) as ortWeb.Tensor;
  }
  return out;
}

function create(ort: Ort, bytes: Uint8Array): Promise<ortWeb.InferenceSession> {
  return (
    ort === ortWeb
      ? ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] })
      : ortNode.InferenceSession.create(bytes)
  ) as Promise<ortWeb.InferenceSession>;
}

interface Figures {
  create: Timing;
  one: Timing;
  thousand: Timing;
}

async function measure(
  ort: Ort,
  bytes: Uint8Array,
  inputs: readonly InputSpec[],
  records: readonly RawRecord[],
  creations: number,
  runs: number,
): Promise<Figures> {
  const created = await timeRuns(async () => (await create(ort, bytes)).release(), creations, { warmup: 2 });
  const s = await create(ort, bytes);
  const one = feeds(ort, inputs, records.slice(0, 1));
  const thousand = feeds(ort, inputs, records.slice(0, 1000));
  const b1 = await timeRuns(() => s.run(one), runs, { warmup: 20 });
  const b1000 = await timeRuns(() => s.run(thousand), runs, { warmup: 5 });
  await s.release();
  return { create: created, one: b1, thousand: b1000 };
}

const ms = (t: Timing): string => `${(t.median * 1e3).toFixed(2)} / ${(t.p95 * 1e3).toFixed(2)}`;
const us = (t: Timing): string => `${(t.median * 1e6).toFixed(0)} / ${(t.p95 * 1e6).toFixed(0)}`;

function printAligned(rows: string[][]): void {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  for (const r of rows)
    console.log(r.map((c, i) => (i < 3 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '));
}

/** The first `n` rows of a spec's training pool as raw records (numbers, strings, null). */
function poolRecords(name: string, n: number): RawRecord[] {
  const { train: pool } = loadSpecData(loadSpec(join('firmware-models', name, 'problem.yaml')));
  const out: RawRecord[] = [];
  for (let r = 0; r < Math.min(n, pool.rowCount); r++) {
    const rec: RawRecord = {};
    for (const c of pool.columns) {
      const v = c.values[r];
      rec[c.name] =
        c.kind === 'numeric' ? (Number.isNaN(v as number) ? null : (v as number)) : v === '' ? null : (v as string);
    }
    out.push(rec);
  }
  return out;
}

async function main(): Promise<void> {
  const specs = arg('specs', 'housing,occupancy,shipping').split(',');
  const creations = Number(arg('creations', '50'));
  const runs = Number(arg('runs', '500'));
  ortWeb.env.wasm.numThreads = 1;
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `${creations} session creations, ${runs} runs per batch size; median / p95; ratio = node median / web median\n`,
  );
  const table: string[][] = [
    ['model', 'file', 'runtime', 'bytes', 'create ms', 'b1 µs', 'b1000 ms', 'ratio create', 'ratio b1', 'ratio b1000'],
  ];
  for (const name of specs) {
    const folder = join('firmware-models', name);
    const version = Math.max(
      ...readdirSync(folder)
        .filter((v) => /^\d+$/.test(v))
        .map(Number),
    );
    const dir = join(folder, String(version));
    const manifest = decode(Manifest, readFileSync(join(dir, 'manifest.json')), 'manifest');
    const records = poolRecords(name, 1000);
    console.error(`${name} v${version} (${manifest.trainer.algorithm}): measuring…`);
    for (const f of manifest.files.filter((x) => x.role === 'model' || x.role === 'model-float')) {
      const bytes = readFileSync(join(dir, f.path));
      const web = await measure(ortWeb, bytes, manifest.inputs, records, creations, runs);
      const node = await measure(ortNode, bytes, manifest.inputs, records, creations, runs);
      const ratio = (a: Timing, b: Timing): string => `${(a.median / b.median).toFixed(2)}×`;
      table.push([
        `${name} v${version} ${manifest.trainer.algorithm}`,
        f.path,
        'web',
        String(f.bytes),
        ms(web.create),
        us(web.one),
        ms(web.thousand),
        '',
        '',
        '',
      ]);
      table.push([
        '',
        '',
        'node',
        '',
        ms(node.create),
        us(node.one),
        ms(node.thousand),
        ratio(node.create, web.create),
        ratio(node.one, web.one),
        ratio(node.thousand, web.thousand),
      ]);
    }
  }
  printAligned(table);
  console.log(
    `\nload average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

await main();
