/**
 * Chaos bench: a whole stack of real processes (fleet, gateway, devices) under random SIGKILLs —
 * some while outboxes drain — read-only data dirs for seconds, and a model switch (occupancy v1 →
 * v2) mid-run; then everything settles and the windows each device created are counted against
 * the windows stored at the fleet. Prints a JSON report: created, stored, lost, duplicated, the
 * faults injected, and whether every device runs the new verified model.
 *
 *   npx tsx bench/chaos.ts [--minutes 10] [--devices 3] [--rate 100] [--seed 1]
 *
 * Needs chattr (read-only faults as root) or a non-root user (file modes). Exit code 1 when a
 * window was lost or duplicated, or a device is not on the new model.
 */
import { runChaos } from '../stack/chaos.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
}

const minutes = arg('--minutes', 10);
const started = Date.now();
const { report, stack } = await runChaos({
  durationMs: minutes * 60_000,
  devices: arg('--devices', 3),
  rate: arg('--rate', 100),
  seed: arg('--seed', 1),
  log: (line) => console.error(line),
});
try {
  console.log(JSON.stringify({ ...report, wallMs: Date.now() - started }, null, 2));
  const ok = report.lost === 0 && report.duplicated === 0 && report.devices.every((d) => d.onVerifiedModel);
  if (!ok) {
    console.error(stack.marks());
    process.exitCode = 1;
  }
} finally {
  await stack.close();
}
