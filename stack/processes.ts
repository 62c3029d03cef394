/**
 * Tiers as real OS processes, for fault tests and benches that SIGKILL them: each runs the `outpost` CLI under
 * tsx, with its output kept in a log file for the failure message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'outpost.ts');

export interface Tier {
  name: string;
  child: ChildProcess;
  log: string;
  output(): string;
  exited: Promise<number | null>;
}

export function spawnTier(name: string, args: string[], logDir: string): Tier {
  const log = join(logDir, `${name}-${Date.now()}.log`);
  const out = createWriteStream(log);
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const keep = (b: Buffer): void => {
    text += b.toString();
    out.write(b);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name, child, log, output: () => text, exited };
}

export async function waitForOutput(tier: Tier, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(tier.output())) {
    if (tier.child.exitCode !== null)
      throw new Error(`${tier.name} exited (${tier.child.exitCode}) before ${pattern}:\n${tier.output()}`);
    if (Date.now() > deadline) throw new Error(`${tier.name}: no ${pattern} within ${timeoutMs} ms:\n${tier.output()}`);
    await sleep(25);
  }
}

/** Runs a CLI command to completion; throws with its output unless it exits 0. */
export async function runCli(name: string, args: string[], logDir: string): Promise<string> {
  const t = spawnTier(name, args, logDir);
  const code = await t.exited;
  if (code !== 0) throw new Error(`${name} exited ${code}:\n${t.output()}`);
  return t.output();
}

export async function kill(tier: Tier, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (tier.child.exitCode === null && tier.child.signalCode === null) tier.child.kill(signal);
  await tier.exited;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function readLog(tier: Tier): string {
  return readFileSync(tier.log, 'utf8');
}

/**
 * Enrols a node through the CLI, as an operator would (docs/SECURITY.md "Identity"): a one-time
 * token created at the serving tier's data dir (`outpost enroll-token create`), redeemed at its
 * enrol endpoint (`outpost enroll`) into the node's data dir.
 */
export async function enrollViaCli(opts: {
  kind: 'gateway' | 'device';
  id: string;
  /** The fleet's data dir (a gateway) or the gateway's (a device). */
  servingDataDir: string;
  /** The serving tier's enrol endpoint, http://host:port. */
  enrollUrl: string;
  nodeDataDir: string;
  logDir: string;
}): Promise<void> {
  const out = await runCli(
    `token-${opts.id}`,
    ['enroll-token', 'create', `--${opts.kind}`, opts.id, '--data-dir', opts.servingDataDir],
    opts.logDir,
  );
  const token = out.split('\n')[0]?.trim() ?? '';
  await runCli(
    `enroll-${opts.id}`,
    [
      'enroll',
      opts.kind === 'gateway' ? '--fleet' : '--gateway',
      opts.enrollUrl,
      '--token',
      token,
      '--data-dir',
      opts.nodeDataDir,
    ],
    opts.logDir,
  );
}
