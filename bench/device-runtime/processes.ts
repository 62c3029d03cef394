/**
 * The processes of the device-runtime bench: every one runs with plain `node` in the folder where
 * the packed device is installed, with the device's node flags and environment.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The node flags and environment a device runs with (its shebang and systemd unit, docs/DEVICE.md
 * "Memory"); the probes run with them too, the bare anchors included, so both sides of a ratio
 * share the runtime's settings. (Without the young-generation cap, V8 grows the young generation
 * during the first few thousand calls and a call costs 2–3× more meanwhile; without the fixed
 * old-generation growth, V8 on a machine with much memory lets garbage promoted under load pile up
 * to up to 4× the live heap before a full collection.)
 */
export const DEVICE_NODE_FLAGS = ['--max-semi-space-size=1', '--heap-growing-percent=50'];
export const DEVICE_ENV_VARS = { MALLOC_ARENA_MAX: '2' };
const DEVICE_ENV = { ...process.env, ...DEVICE_ENV_VARS };

/** Runs a probe script to its end and parses the last line it prints as JSON. */
export function nodeJson<T>(cwd: string, script: string, args: string[]): T {
  const out = execFileSync(process.execPath, ['--expose-gc', ...DEVICE_NODE_FLAGS, script, ...args], {
    cwd,
    encoding: 'utf8',
    env: DEVICE_ENV,
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as T;
}

export interface Server {
  child: ChildProcess;
  url: string;
}

/** Starts a server with the device's flags and environment and waits for the URL it prints. */
export async function startServer(cwd: string, args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [...DEVICE_NODE_FLAGS, ...args], {
    cwd,
    env: DEVICE_ENV,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = /(?:serving on|listening on) (http:\/\/\S+)/.exec(out)?.[1];
    if (url) return { child, url };
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no URL from ${args.join(' ')}:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
}

/** Resident memory of a process from /proc: the whole, and its anonymous and file-backed parts (MB). */
export function rssOf(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

/** The V8 heap of a running device (MB), read from its own `GET /metrics` (Node's process metrics). */
export async function deviceHeap(url: string): Promise<{ used: number; total: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const mb = (name: string): number =>
    Number(new RegExp(`^outpost_device_${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1]) / 2 ** 20;
  return { used: mb('nodejs_heap_size_used_bytes'), total: mb('nodejs_heap_size_total_bytes') };
}
