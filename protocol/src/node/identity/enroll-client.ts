import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { OutpostError } from '../../outpost-error.ts';
import { errorMessage } from '../../errors.ts';
import { EnrollReply } from './enrollment.ts';
import { IdentityErrorCodes } from './errors.ts';

/** The path of the enrol endpoint on the fleet and on a gateway. */
export const ENROLL_PATH = '/v1/enroll';

export interface EnrollClientOptions {
  /** The fleet's (or gateway's) enrol base URL, http:// or https://. */
  url: string;
  token: string;
  /** PEM of the CA that signed the endpoint's certificate (https); absent, the system CAs. */
  ca?: string | Buffer;
  timeoutMs?: number;
}

/**
 * Redeems an enrolment token at a fleet or gateway (docs/SECURITY.md "Identity"). Resolves with the
 * node's credentials; OUTPOST_ERR_ENROLL_TOKEN_INVALID when the token is refused,
 * OUTPOST_ERR_ENROLL_FAILED for anything else (unreachable, TLS, unexpected answer).
 */
export function requestEnrollment(opts: EnrollClientOptions): Promise<EnrollReply> {
  const url = new URL(ENROLL_PATH, opts.url);
  const body = JSON.stringify({ token: opts.token });
  const failed = (message: string, cause?: unknown): OutpostError =>
    new OutpostError(IdentityErrorCodes.ENROLL_FAILED, message, {
      details: { url: url.origin },
      ...(cause !== undefined ? { cause } : {}),
    });
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: opts.timeoutMs ?? 15_000,
        ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 64 * 1024) req.destroy(failed('enrol reply too large'));
          else chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 401) {
            reject(new OutpostError(IdentityErrorCodes.ENROLL_TOKEN_INVALID, 'the enrolment token was refused'));
            return;
          }
          if (res.statusCode !== 200) {
            reject(failed(`enrol endpoint answered HTTP ${res.statusCode}`));
            return;
          }
          try {
            resolve(EnrollReply.parse(JSON.parse(text)));
          } catch (cause) {
            reject(failed('enrol reply is not valid', cause));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(failed('enrol request timed out')));
    req.on('error', (err) =>
      reject(err instanceof OutpostError ? err : failed(`enrol request failed: ${errorMessage(err)}`, err)),
    );
    req.end(body);
  });
}
