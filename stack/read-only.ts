import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, statSync } from 'node:fs';

/**
 * Makes files or folders refuse writes for real, even to a process that has them open (a storage
 * fault): the immutable attribute (chattr +i) when running as root, whom file modes do not stop;
 * read-only modes otherwise. Returns the undo.
 */
export function makeReadOnly(paths: string[]): () => void {
  const root = process.getuid?.() === 0;
  const existing = paths.filter((p) => existsSync(p));
  if (root) execFileSync('chattr', ['+i', ...existing]);
  else for (const p of existing) chmodSync(p, statSync(p).isDirectory() ? 0o555 : 0o444);
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    if (root) execFileSync('chattr', ['-i', ...existing]);
    else for (const p of existing) chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
  };
}
