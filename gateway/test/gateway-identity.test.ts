import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '@outpost/protocol';
import { createGatewayIdentity, localServiceId } from '../src/identity/gateway-identity.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('gateway identity', () => {
  it('has no service credential: its site broker accepts no login as the gateway, only enrolled devices', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'outpost-gw-identity-'));
    dirs.push(dataDir);
    const identity = createGatewayIdentity({ gatewayId: 'site-1', dataDir, clock: systemClock, logger: silentLogger });
    try {
      expect(identity.service).toBeUndefined();
      // The local client's user name with any password, an empty one included, is refused.
      for (const password of ['', 'guess'])
        expect(await identity.auth.authenticate(localServiceId('site-1'), Buffer.from(password))).toBeUndefined();
      const dev = identity.issue('dev-1');
      expect(await identity.auth.authenticate(dev.username, Buffer.from(dev.password))).toMatchObject({
        identity: { role: 'device', id: 'dev-1' },
      });
    } finally {
      identity.close();
    }
  });
});
