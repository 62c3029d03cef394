import { FLEET_KEY_FILE } from '../../intent.ts';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { OutpostError } from '../../outpost-error.ts';
import { IdentityErrorCodes } from './errors.ts';

/** Where an enrolled node keeps its credentials, in its data dir (mode 0600). */
export const CREDENTIALS_FILE = 'credentials.json';

export const NodeCredentials = z.object({ id: z.string(), username: z.string(), password: z.string() }).strict();
export type NodeCredentials = z.infer<typeof NodeCredentials>;

function writePrivate(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Writes a node's credentials (and the fleet key, if any) into its data dir, 0600, atomically. */
export function writeNodeCredentials(dataDir: string, creds: NodeCredentials, fleetKeyPem?: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, CREDENTIALS_FILE);
  writePrivate(path, `${JSON.stringify(creds, null, 2)}\n`);
  if (fleetKeyPem !== undefined) writeFileSync(join(dataDir, FLEET_KEY_FILE), fleetKeyPem, { mode: 0o644 });
  return path;
}

/**
 * Reads a credentials file (`path` a file, or a data dir holding credentials.json). Undefined when
 * a data dir has none (the node was not enrolled: it connects without credentials); a file that
 * exists but cannot be read or parsed, or names another node than `expectId`, is
 * OUTPOST_ERR_CREDENTIALS_INVALID.
 */
export function readNodeCredentials(
  path: string,
  opts: { expectId?: string; required?: boolean } = {},
): NodeCredentials | undefined {
  const file = path.endsWith('.json') ? path : join(path, CREDENTIALS_FILE);
  if (!existsSync(file)) {
    if (opts.required) throw invalid(file, 'does not exist');
    return undefined;
  }
  let creds: NodeCredentials;
  try {
    creds = NodeCredentials.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (cause) {
    throw invalid(file, 'is not a credentials file', cause);
  }
  if (opts.expectId !== undefined && creds.id !== opts.expectId)
    throw invalid(file, `is for ${creds.id}, not ${opts.expectId}`);
  return creds;
}

function invalid(file: string, what: string, cause?: unknown): OutpostError {
  return new OutpostError(IdentityErrorCodes.CREDENTIALS_INVALID, `${file} ${what}`, {
    details: { file },
    ...(cause !== undefined ? { cause } : {}),
  });
}
