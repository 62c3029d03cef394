import { shadowFor } from '@outpost/protocol';
import type { ArtifactFetchPolicy } from '@outpost/protocol/node';
import { deviceDesiredState } from './reconcile.ts';
import type { GatewayStore } from './store/gateway-store.ts';

/**
 * Which device may download which artifact from this gateway (docs/SECURITY.md "Artifact
 * transfer"): only the artifacts of that device's own desired state, as the gateway derives it
 * from its stored desired state, and the shadow candidate it names for that device. The device id is the one in the request's topic.
 */
export function deviceArtifactPolicy(store: Pick<GatewayStore, 'getDesired'>): ArtifactFetchPolicy {
  return (deviceId, artifactId) => {
    const desired = store.getDesired();
    return (
      desired !== undefined &&
      (deviceDesiredState(desired, deviceId).models.some((m) => m.artifactId === artifactId) ||
        shadowFor(desired, deviceId)?.artifactId === artifactId)
    );
  };
}
