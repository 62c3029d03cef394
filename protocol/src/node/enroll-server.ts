import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { OutpostError, errorMessage } from '../outpost-error.ts';
import type { Logger } from '../runtime.ts';
import { logServerErrors } from './http-errors.ts';
import { ENROLL_PATH } from './identity/enroll-client.ts';
import { EnrollRequest } from './identity/enrollment.ts';
import { IdentityErrorCodes } from './identity/errors.ts';
import type { TierIdentity } from './identity/tier-identity.ts';

/**
 * The enrol endpoint the fleet (for gateways) and each gateway (for devices) serve:
 * `@outpost/protocol/enroll-server`, apart from the main entries because it needs fastify (an
 * optional peer dependency, as aedes is for the broker). `POST /v1/enroll` (docs/SECURITY.md "Identity"): a node trades its one-time token for its
 * credentials. A refused token is HTTP 401 with OUTPOST_ERR_ENROLL_TOKEN_INVALID; a body that is
 * not `{ token }` is 400. Neither the token nor the secret is ever logged.
 */
export function registerEnrollRoute(app: FastifyInstance, identity: Pick<TierIdentity, 'redeem'>, log: Logger): void {
  app.post(ENROLL_PATH, async (req, reply) => {
    const body = EnrollRequest.safeParse(req.body);
    if (!body.success)
      return reply
        .code(400)
        .send({ error: { code: IdentityErrorCodes.ENROLL_FAILED, message: 'body must be { token }' } });
    try {
      return reply.code(200).send(identity.redeem(body.data.token));
    } catch (err) {
      if (err instanceof OutpostError && err.code === IdentityErrorCodes.ENROLL_TOKEN_INVALID) {
        log.warn({ remote: req.ip, code: err.code }, 'refused enrolment');
        return reply.code(401).send({ error: { code: err.code, message: err.message } });
      }
      throw err;
    }
  });
}

export interface EnrollServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the enrol endpoint on its own port (https when `tls` is given). */
export async function startEnrollServer(opts: {
  identity: Pick<TierIdentity, 'redeem'>;
  host: string;
  port: number;
  tls?: { key: string | Buffer; cert: string | Buffer };
  logger: Logger;
}): Promise<EnrollServer> {
  const log = opts.logger.child({ component: 'enroll-http' });
  const app = (
    opts.tls
      ? Fastify({ logger: false, bodyLimit: 4096, https: opts.tls })
      : Fastify({ logger: false, bodyLimit: 4096 })
  ) as FastifyInstance;
  logServerErrors(app, log);
  registerEnrollRoute(app, opts.identity, log);
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    log.error({ err: errorMessage(err) }, 'enrol endpoint failed to start');
    await app.close();
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return { url: `${opts.tls ? 'https' : 'http'}://${host}:${port}`, close: () => app.close() };
}
