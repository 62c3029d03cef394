import { join, resolve } from 'node:path';
import type { CommandContext } from '@outpost/protocol/node';
import { FLEET_DB_FILE } from '../fleet.ts';
import { parseRole } from '../tokens/roles.ts';
import { openSqliteTokenStore } from '../tokens/sqlite-token-store.ts';
import type { OperatorTokenStore } from '../tokens/token-store.ts';
import { formatTable } from './table.ts';
import type { TokenCommandOptions } from './token-commands.ts';

function withTokens<T>(opts: TokenCommandOptions, body: (tokens: OperatorTokenStore) => T): T {
  const tokens = openSqliteTokenStore(join(resolve(opts.dataDir), FLEET_DB_FILE));
  try {
    return body(tokens);
  } finally {
    tokens.close();
  }
}

const now = (): string => new Date().toISOString();

/** `outpost token create --role <r> [--name <n>]`: prints the token once. */
export function runTokenCreate(opts: TokenCommandOptions & { role: string; name: string }, ctx: CommandContext): void {
  const role = parseRole(opts.role);
  const created = withTokens(opts, (t) => t.create({ name: opts.name, role, at: now() }));
  if (opts.json) {
    ctx.io.out(JSON.stringify(created, null, 2));
    return;
  }
  ctx.io.out(created.token);
  ctx.io.out(
    `token ${created.record.id} (${created.record.name}, ${role}): shown once, keep it; send it as Authorization: Bearer <token>`,
  );
}

/** `outpost token list`. */
export function runTokenList(opts: TokenCommandOptions, ctx: CommandContext): void {
  const list = withTokens(opts, (t) => t.list());
  if (opts.json) ctx.io.out(JSON.stringify(list, null, 2));
  else if (list.length === 0) ctx.io.out('no operator tokens');
  else
    ctx.io.out(
      formatTable(
        ['id', 'name', 'role', 'created', 'revoked'],
        list.map((t) => [t.id, t.name, t.role, t.createdAt, t.revokedAt ?? '-']),
      ),
    );
}

/** `outpost token revoke <id>`. */
export function runTokenRevoke(id: string, opts: TokenCommandOptions, ctx: CommandContext): void {
  const record = withTokens(opts, (t) => t.revoke(id, now()));
  ctx.io.out(opts.json ? JSON.stringify(record, null, 2) : `revoked token ${record.id} (${record.name})`);
}
