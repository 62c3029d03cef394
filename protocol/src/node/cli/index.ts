/**
 * `@outpost/protocol/cli`: the CLI kit every tier's commands use (docs/ARCHITECTURE.md "Running a
 * tier") — option parsers, the action runner with its exit codes, the shutdown helper. Light on
 * purpose: a command's definition imports only this, so `outpost --help` loads no tier. The logger
 * setup (pino) is `createLogger` in `@outpost/protocol/logging`, loaded by the actions.
 */
export * from './options.ts';
export * from './run.ts';
export * from './lifecycle.ts';
export * from './context.ts';
