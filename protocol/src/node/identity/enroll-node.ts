import { requestEnrollment } from './enroll-client.ts';
import { readNodeCredentials, writeNodeCredentials, type NodeCredentials } from './credentials-file.ts';

/**
 * Enrols a node (docs/SECURITY.md "Identity"): redeems `token` at `url` (the fleet's enrol endpoint
 * for a gateway, its gateway's for a device) and writes the credentials, and the fleet's intent key
 * if the reply carries one, into the node's data dir (0600). Returns the credentials.
 */
export async function enrollNode(opts: {
  url: string;
  token: string;
  dataDir: string;
  ca?: string | Buffer;
}): Promise<NodeCredentials> {
  const reply = await requestEnrollment({
    url: opts.url,
    token: opts.token,
    ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
  });
  const creds: NodeCredentials = { id: reply.id, username: reply.username, password: reply.password };
  writeNodeCredentials(opts.dataDir, creds, reply.fleetKeyPem);
  return creds;
}

/**
 * Enrols a node whose data dir holds no credentials yet, with a token from `createToken` (an
 * in-process serving tier: a composed stack, a test fixture); a node already enrolled is left as it is.
 */
export async function ensureEnrolled(opts: {
  id: string;
  dataDir: string;
  enrollUrl: string;
  createToken: (id: string) => { token: string };
  ca?: string | Buffer;
}): Promise<NodeCredentials> {
  const existing = readNodeCredentials(opts.dataDir, { expectId: opts.id });
  if (existing) return existing;
  return enrollNode({
    url: opts.enrollUrl,
    token: opts.createToken(opts.id).token,
    dataDir: opts.dataDir,
    ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
  });
}
