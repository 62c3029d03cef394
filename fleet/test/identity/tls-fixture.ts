import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  caPem: Buffer;
  keyPem: Buffer;
  certPem: Buffer;
}

/** A throwaway CA and a server certificate it signed for 127.0.0.1 and localhost, made with the openssl CLI. */
export function makeTestPki(dir: string, name = 'ca'): TestPki {
  const f = (n: string): string => join(dir, `${name}-${n}`);
  const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
  run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=Outpost test ${name}`,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
  ]);
  run([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  ]);
  const ext = f('ext.cnf');
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > '${ext}'`]);
  run([
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    f('server.pem'),
  ]);
  return {
    caPem: readFileSync(f('ca.pem')),
    keyPem: readFileSync(f('server.key')),
    certPem: readFileSync(f('server.pem')),
  };
}
