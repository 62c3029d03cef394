/**
 * How the `outpost` program stays fast to start and uniform to run (docs/ARCHITECTURE.md "Running
 * a tier"): what bin/outpost.ts loads before a command runs (its static imports, followed through
 * the workspaces) reaches none of the heavy packages — each action loads its tier with `import()`
 * — and every long-running command takes a checked `--log-level`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { CliErrorCodes } from '@outpost/protocol';
import { deviceCommands } from '@outpost/device/cli';
import { fleetCommands } from '@outpost/fleet/cli';
import { gatewayCommands } from '@outpost/gateway/cli';
import { trainerCommands } from '@outpost/trainer/cli';

const root = join(import.meta.dirname, '..', '..');
const HEAVY = [
  'onnxruntime-web',
  'onnxruntime-node',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-tflite',
  'aedes',
  'better-sqlite3',
  'fastify',
  'mqtt',
  'zod',
  'pino',
  'pino-pretty',
];

/** The specifiers a file imports statically (type-only imports and `import()` excluded). */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly) {
      const named = s.importClause?.namedBindings;
      const allTypes =
        s.importClause !== undefined &&
        s.importClause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      if (!allTypes) out.push((s.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier && !s.isTypeOnly) {
      out.push((s.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return out;
}

/** A workspace package's export, as a file. */
function workspaceFile(spec: string): string | undefined {
  const m = /^@outpost\/([a-z]+)(\/.*)?$/.exec(spec);
  if (!m) return undefined;
  const pkg = JSON.parse(readFileSync(join(root, m[1] as string, 'package.json'), 'utf8')) as {
    exports: Record<string, string>;
  };
  const target = pkg.exports[m[2] ? `.${m[2]}` : '.'];
  return target === undefined ? undefined : join(root, m[1] as string, target);
}

/** Every file and outside package bin/outpost.ts loads before a command's action runs. */
function startupGraph(): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [join(root, 'bin', 'outpost.ts')];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else if (spec.startsWith('node:')) continue;
      else {
        const ws = workspaceFile(spec);
        if (ws && existsSync(ws)) queue.push(ws);
        else
          packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
      }
    }
  }
  return { files, packages };
}

describe('outpost start-up', () => {
  it('loads no heavy package before a command runs (actions import their tier)', () => {
    const { files, packages } = startupGraph();
    expect(files.size).toBeGreaterThan(5);
    expect([...packages].filter((p) => HEAVY.includes(p))).toEqual([]);
    expect([...packages].sort()).toEqual(['commander']);
  });

  it('follows a static import to a heavy package (the check can fail)', () => {
    expect(staticImports(join(root, 'device', 'src', 'http', 'server.ts'))).toContain('fastify');
    expect(staticImports(join(root, 'fleet', 'src', 'cli', 'index.ts'))).not.toContain('./run-fleet.ts');
  });
});

describe('long-running commands', () => {
  const LONG_RUNNING = ['fleet', 'gateway', 'device'];
  const all = [...trainerCommands(), ...fleetCommands(), ...gatewayCommands(), ...deviceCommands()];

  it('outpost start takes --log-level (default warn, so its own lines stay readable), checked by the kit', async () => {
    const { stackCommands } = await import('../../stack/commands.ts');
    const start = stackCommands().find((c) => c.name() === 'start') as Command;
    const option = start.options.find((o) => o.long === '--log-level');
    expect(option?.defaultValue).toBe('warn');
    expect(option?.parseArg?.('debug', undefined)).toBe('debug');
    expect(() => option?.parseArg?.('chatty', undefined)).toThrow(
      expect.objectContaining({ code: CliErrorCodes.CLI_ARGS }),
    );
  });

  it.each(LONG_RUNNING)('outpost %s takes --log-level (default info), checked by the kit', (name) => {
    const cmd = all.find((c) => c.name() === name) as Command;
    const option = cmd.options.find((o) => o.long === '--log-level');
    expect(option?.defaultValue).toBe('info');
    expect(option?.parseArg?.('debug', undefined)).toBe('debug');
    expect(() => option?.parseArg?.('chatty', undefined)).toThrow(
      expect.objectContaining({ code: CliErrorCodes.CLI_ARGS }),
    );
  });
});
