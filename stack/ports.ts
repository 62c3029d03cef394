/**
 * The ports `outpost start` will listen on, checked before it does anything else: each is bound on
 * the tiers' host and released at once, so a port another program holds is reported up front
 * instead of failing half-way through the start with a data dir half written.
 */
import { createServer } from 'node:net';

export interface WantedPort {
  port: number;
  /** What listens there, for the message ("fleet broker"). */
  what: string;
  /** The option that moves it ("--fleet-port"). */
  option: string;
}

export interface TakenPort extends WantedPort {
  /** The bind error's code (EADDRINUSE, EACCES). */
  code: string;
}

/** The host every tier of the composed stack listens on. */
export const STACK_HOST = '127.0.0.1';

function tryBind(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'EUNKNOWN'));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** The wanted ports that cannot be bound now (port 0, "any free port", is never taken). */
export async function takenPorts(wanted: readonly WantedPort[], host = STACK_HOST): Promise<TakenPort[]> {
  const taken: TakenPort[] = [];
  for (const w of wanted) {
    if (w.port === 0) continue;
    const code = await tryBind(w.port, host);
    if (code !== undefined) taken.push({ ...w, code });
  }
  return taken;
}

/** Pairs of wanted ports that are the same number (port 0 excepted): the command line asks for one port twice. */
export function clashingPorts(wanted: readonly WantedPort[]): [WantedPort, WantedPort][] {
  const out: [WantedPort, WantedPort][] = [];
  wanted.forEach((a, i) =>
    wanted.slice(i + 1).forEach((b) => {
      if (a.port !== 0 && a.port === b.port) out.push([a, b]);
    }),
  );
  return out;
}
