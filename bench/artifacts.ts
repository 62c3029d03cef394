/**
 * The shipped models' artifacts in both runtimes (issue 4, targets): for each spec in
 * firmware-models/ (housing, occupancy, shipping), build its artifact in a temp dir the way
 * `outpost build` does (spec → training run → buildArtifact), with QUICK training so the bench takes
 * minutes — the models are smaller than the shipped builds. Then, per model file: size, session
 * creation time and batch-1 / batch-1000 run time in onnxruntime-web and onnxruntime-node (device
 * session options: wasm with one thread on the web side, default optimisation level on both),
 * median and p95 (nearest rank), node/web ratio with web as the anchor.
 *
 *   npx tsx bench/artifacts.ts [--specs housing,occupancy,shipping] [--creations 50] [--runs 500]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import * as ortNode from 'onnxruntime-node';
import { generateSigningKeyPair, type InputSpec } from '@outpost/protocol';
import { buildArtifact } from '../trainer/src/artifact/build.ts';
import { runTraining } from '../trainer/src/run/run-training.ts';
import type { RawRecord } from '../trainer/src/run/trained-model.ts';
import { loadSpec } from '../trainer/src/spec/load-spec.ts';
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
    out[input.name] = (input.type === 'float'
      ? new ort.Tensor('float32', Float32Array.from(values, (v) => (typeof v === 'number' ? v : NaN)), [records.length, 1])
      : new ort.Tensor('string', values.map((v) => (typeof v === 'string' ? v : '')), [records.length, 1])) as ortWeb.Tensor;
  }
  return out;
}

function create(ort: Ort, bytes: Uint8Array): Promise<ortWeb.InferenceSession> {
  return (ort === ortWeb ? ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] }) : ortNode.InferenceSession.create(bytes)) as Promise<ortWeb.InferenceSession>;
}

interface Figures {
  create: Timing;
  one: Timing;
  thousand: Timing;
}

async function measure(ort: Ort, bytes: Uint8Array, inputs: readonly InputSpec[], records: readonly RawRecord[], creations: number, runs: number): Promise<Figures> {
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
  for (const r of rows) console.log(r.map((c, i) => (i < 3 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '));
}

async function main(): Promise<void> {
  const specs = arg('specs', 'housing,occupancy,shipping').split(',');
  const creations = Number(arg('creations', '50'));
  const runs = Number(arg('runs', '500'));
  ortWeb.env.wasm.numThreads = 1;
  console.log('QUICK training (smaller models and grids than the shipped builds) to keep this bench to minutes.');
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${creations} session creations, ${runs} runs per batch size; median / p95; ratio = node median / web median\n`);
  const keys = generateSigningKeyPair();
  const tmp = mkdtempSync(join(tmpdir(), 'outpost-bench-artifacts-'));
  const table: string[][] = [['model', 'file', 'runtime', 'bytes', 'create ms', 'b1 µs', 'b1000 ms', 'ratio create', 'ratio b1', 'ratio b1000']];
  const notes: string[] = [];
  try {
    for (const name of specs) {
      const loaded = loadSpec(join('firmware-models', name, 'problem.yaml'));
      const t0 = performance.now();
      const { trainedModel } = await runTraining(loaded, { seed: loaded.spec.seed, runDir: join(tmp, `run-${name}`), quick: true });
      const built = await buildArtifact(trainedModel, { outRoot: join(tmp, 'out'), keys, now: 0, version: 1 });
      const r = built.report;
      console.error(`${name}: ${trainedModel.model.kind} built in ${((performance.now() - t0) / 1000).toFixed(1)} s, measuring…`);
      notes.push(`${name}: ${trainedModel.model.kind}, built in ${((performance.now() - t0) / 1000).toFixed(1)} s; ships ${r.ship}: ${r.reason}; validation ${r.metric} float ${r.float.metric.toPrecision(6)}${r.int8 ? `, int8 ${r.int8.metric.toPrecision(6)}` : ''}; build-report latency (web, b1) float ${r.float.latencyUs?.toFixed(0)} µs${r.int8 ? `, int8 ${r.int8.latencyUs?.toFixed(0)} µs` : ''}${r.compaction ? `; tree nodes ${r.compaction.nodesBefore} → ${r.compaction.nodesAfter}` : ''}`);
      const records = trainedModel.trainRecords.slice(0, 1000);
      for (const f of built.manifest.files.filter((x) => x.role === 'model' || x.role === 'model-float')) {
        const bytes = readFileSync(join(built.artifactDir, f.path));
        const web = await measure(ortWeb, bytes, built.manifest.inputs, records, creations, runs);
        const node = await measure(ortNode, bytes, built.manifest.inputs, records, creations, runs);
        const ratio = (a: Timing, b: Timing): string => `${(a.median / b.median).toFixed(2)}×`;
        table.push([name, f.path, 'web', String(f.bytes), ms(web.create), us(web.one), ms(web.thousand), '', '', '']);
        table.push(['', '', 'node', '', ms(node.create), us(node.one), ms(node.thousand), ratio(node.create, web.create), ratio(node.one, web.one), ratio(node.thousand, web.thousand)]);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  printAligned(table);
  console.log('');
  for (const n of notes) console.log(n);
  console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
