import { readFileSync } from 'node:fs';
import { errorMessage, parseCsv } from '@outpost/protocol';
import { readArtifactFolder, usageError, type CommandContext } from '@outpost/protocol/node';
import { predictFile } from '../batch/predict-file.ts';
import { selectEngine } from '../inference/engine-choice.ts';
import type { PredictCliOptions } from './index.ts';

/** `outpost predict`: verify the artifact, predict every row of `--in`, write `--out`. */
export async function runPredict(o: PredictCliOptions, ctx: CommandContext): Promise<void> {
  const read = (file: string, option: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw usageError(option, `cannot read ${file}: ${errorMessage(err)}`, err);
    }
  };
  const publicKeyPem = read(o.publicKey, '--public-key');
  const bundle = readArtifactFolder(o.artifact);
  const table = parseCsv(read(o.in, '--in'), o.in);
  const { engine } = await selectEngine(o.engine);
  // A progress line on a terminal only; redirected output stays clean.
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  const result = await predictFile({
    bundle,
    publicKeyPem,
    engine,
    table,
    outPath: o.out,
    batchSize: o.batch,
    ...(tty
      ? {
          onProgress: (done: number, total: number) =>
            process.stderr.write(
              `\r  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} rows (${Math.round((100 * done) / total)}%)`,
            ),
        }
      : {}),
  });
  if (tty) process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  const m = result.manifest;
  ctx.io.out(
    `${m.name} v${m.version} (signature verified, ${engine.name}): ${result.predicted} rows predicted, ${result.refused} refused (reason in the error column) → ${o.out} in ${seconds.toFixed(1)} s`,
  );
  const imputed = Object.entries(result.imputed);
  if (imputed.length > 0)
    ctx.io.out(`taken as missing (imputed in the model): ${imputed.map(([f, n]) => `${f} ${n}`).join(', ')}`);
}
