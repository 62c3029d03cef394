/**
 * Tiers as real OS processes for the fault tests: stack/processes.ts (shared with the benches that
 * run a stack of processes, bench/chaos.ts and bench/soak.ts). Every fault test starts its tiers
 * through it or through stack/fault-stack.ts.
 */
export * from '../../stack/processes.ts';
