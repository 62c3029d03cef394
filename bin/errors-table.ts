/**
 * Every error code of the repository: loading each workspace's public entry registers its codes
 * in the one error registry (docs/ARCHITECTURE.md "Errors"). Used by `npm run docs:errors` and by
 * test/structure/errors-doc.test.ts.
 */
import { registeredErrors, renderErrorsDoc, type ErrorDefinition } from '@outpost/protocol';

export async function allErrorDefinitions(): Promise<ErrorDefinition[]> {
  await Promise.all([
    import('@outpost/protocol/node'),
    import('@outpost/trainer'),
    import('@outpost/fleet'),
    import('@outpost/gateway'),
    import('@outpost/device'),
  ]);
  return registeredErrors();
}

/** The text docs/errors.md must hold. */
export async function errorsDocText(): Promise<string> {
  return renderErrorsDoc(await allErrorDefinitions());
}
