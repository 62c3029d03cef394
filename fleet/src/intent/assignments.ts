import type { DesiredState, ModelAssignment } from '@outpost/protocol';

/**
 * A change to one gateway's desired state (docs/ARCHITECTURE.md "Deploy: desired → reported"):
 * `assign` puts an assignment in its scope (the whole site, or the listed devices); `unassign`
 * removes the site-wide assignment (no `devices`) or the listed devices' overrides.
 */
export type IntentChange = { kind: 'assign'; assignment: ModelAssignment } | { kind: 'unassign'; devices?: string[] };

const sortedUnique = (ids: readonly string[]): string[] => [...new Set(ids)].sort();

/** Takes `devices` out of every per-device entry; entries left with no device are dropped. */
function withoutDevices(models: ModelAssignment[], devices: readonly string[]): ModelAssignment[] {
  const drop = new Set(devices);
  const out: ModelAssignment[] = [];
  for (const m of models) {
    if (m.devices === undefined) {
      out.push(m);
      continue;
    }
    const left = m.devices.filter((d) => !drop.has(d));
    if (left.length > 0) out.push({ ...m, devices: left });
  }
  return out;
}

/**
 * The next desired state of a gateway (unsigned; the caller signs it). The rules: a site holds at
 * most one site-wide assignment and each device at most one override, because a device runs
 * exactly one model version; a new assignment replaces what its scope held (of any model), so
 * entries never pile up; the revision goes up by one.
 */
export function nextDesiredState(
  previous: DesiredState | undefined,
  gatewayId: string,
  change: IntentChange,
  issuedAt: string,
): DesiredState {
  let models = previous?.models ?? [];
  if (change.kind === 'assign') {
    const a = change.assignment;
    if (a.devices === undefined) {
      models = [a, ...models.filter((m) => m.devices !== undefined)];
    } else {
      const devices = sortedUnique(a.devices);
      models = [...withoutDevices(models, devices), { ...a, devices }];
    }
  } else if (change.devices === undefined) {
    models = models.filter((m) => m.devices !== undefined);
  } else {
    models = withoutDevices(models, change.devices);
  }
  // Shadow candidates are not an assignment: they carry over unchanged.
  return {
    target: gatewayId,
    revision: (previous?.revision ?? 0) + 1,
    issuedAt,
    models,
    ...(previous?.shadow ? { shadow: previous.shadow } : {}),
  };
}
