/**
 * A device's memory depends on the node flags and environment it starts with (docs/DEVICE.md
 * "Memory"): `outpost-device`'s shebang, the documented systemd unit and the device-runtime bench
 * (which measures the device as it runs) must start it the same way.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');

interface Start {
  env: Record<string, string>;
  flags: string[];
}

function fromShebang(): Start {
  const line = read('device/src/cli/main.ts').split('\n')[0] as string;
  expect(line.startsWith('#!/usr/bin/env -S ')).toBe(true);
  const words = line.slice('#!/usr/bin/env -S '.length).trim().split(/\s+/);
  const node = words.indexOf('node');
  expect(node).toBeGreaterThanOrEqual(0);
  return {
    env: Object.fromEntries(words.slice(0, node).map((w) => w.split('=') as [string, string])),
    flags: words.slice(node + 1),
  };
}

function fromUnit(): Start {
  const doc = read('docs/DEVICE.md');
  const unit = /```ini\n# \/etc\/systemd\/system\/outpost-device\.service\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const env = Object.fromEntries(
    [...unit.matchAll(/^Environment=(\w+)=(\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
  const exec =
    /^ExecStart=\/usr\/bin\/node (.*?) \/opt\/outpost\/node_modules\/@outpost\/device\/dist\/cli\/main\.js/m.exec(unit);
  expect(exec).not.toBeNull();
  return { env, flags: (exec?.[1] ?? '').split(/\s+/) };
}

/** The bench's `DEVICE_NODE_FLAGS` and `DEVICE_ENV_VARS`, read as text (tests reach no bench code). */
function fromBench(): Start {
  const text = read('bench/device-runtime/processes.ts');
  const flags = /export const DEVICE_NODE_FLAGS = \[([^\]]*)\];/.exec(text)?.[1] ?? '';
  const env = /export const DEVICE_ENV_VARS = \{([^}]*)\};/.exec(text)?.[1] ?? '';
  return {
    env: Object.fromEntries([...env.matchAll(/(\w+): '([^']*)'/g)].map((m) => [m[1] as string, m[2] as string])),
    flags: [...flags.matchAll(/'([^']*)'/g)].map((m) => m[1] as string),
  };
}

describe('the node flags and environment a device starts with', () => {
  it('are the same in the shebang, the documented systemd unit and the device-runtime bench', () => {
    const shebang = fromShebang();
    expect(shebang.flags.length).toBeGreaterThan(0);
    expect(fromUnit()).toEqual(shebang);
    expect(fromBench()).toEqual(shebang);
  });

  it('are accepted by this node, with the old generation growing by a fixed factor', () => {
    const { env, flags } = fromShebang();
    expect(flags).toContain('--heap-growing-percent=50');
    // An unknown or removed V8 flag makes node refuse to start: `outpost-device` would not run.
    const out = execFileSync(process.execPath, [...flags, '-e', 'process.stdout.write(process.env.MALLOC_ARENA_MAX)'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(out).toBe(env.MALLOC_ARENA_MAX);
  });
});
