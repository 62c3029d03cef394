import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Flips one byte in the middle of a gateway's cached model.onnx. */
export async function tamperCachedModel(gatewayDataDir: string, artifactId: string): Promise<void> {
  const path = join(gatewayDataDir, 'artifacts', artifactId, 'model.onnx');
  const bytes = readFileSync(path);
  const i = Math.floor(bytes.length / 2);
  bytes[i] = (bytes[i] as number) ^ 0xff;
  writeFileSync(path, bytes);
}
