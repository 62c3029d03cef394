import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Highest numeric version folder under `<outRoot>/<name>/`, or null when there is none. */
export function latestVersion(outRoot: string, name: string): number | null {
  const dir = join(outRoot, name);
  if (!existsSync(dir)) return null;
  let best: number | null = null;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !/^[1-9][0-9]*$/.test(entry.name)) continue;
    const v = Number(entry.name);
    if (Number.isSafeInteger(v) && (best === null || v > best)) best = v;
  }
  return best;
}
