import { createMemoryCredentialStore } from '@outpost/protocol/node';
import { openFleetCredentials } from '../../src/identity/fleet-identity.ts';
import { tempDir } from '../fixtures.ts';
import { credentialStoreContract } from './credential-store-contract.ts';

credentialStoreContract('memory', () => ({ open: () => createMemoryCredentialStore() }));

credentialStoreContract('sqlite', () => {
  const tmp = tempDir();
  return {
    open: () => openFleetCredentials(tmp.dir).store,
    reopen: () => openFleetCredentials(tmp.dir).store,
    cleanup: () => tmp.remove(),
  };
});
