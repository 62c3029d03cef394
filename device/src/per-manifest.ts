import type { Manifest } from '@outpost/protocol';

/**
 * `derive`, worked out once per manifest object and kept while the manifest lives: for what a
 * request needs from its model's manifest (input names, ranges) without recomputing it per request.
 */
export function perManifest<T>(derive: (manifest: Manifest) => T): (manifest: Manifest) => T {
  const cache = new WeakMap<Manifest, T>();
  return (manifest) => {
    if (cache.has(manifest)) return cache.get(manifest) as T;
    const value = derive(manifest);
    cache.set(manifest, value);
    return value;
  };
}
