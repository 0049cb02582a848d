/**
 * How the process's V8 heap trades memory for garbage-collection CPU. Importing this module (first, from
 * cli/tributary.ts) keeps the young generation at its initial 1 MiB from the very start: once it has grown
 * while modules load, V8 does not give the memory back. Commands that want V8's defaults turn growth back on.
 */
import { setFlagsFromString } from 'node:v8';

/** `tributary agent --heap`: `small` for edge devices (the default), `node` for V8's defaults. */
export type HeapProfile = 'small' | 'node';

export const HEAP_PROFILES: readonly HeapProfile[] = ['small', 'node'];

// Both flags are read by the garbage collector each time it sizes the heap, so they take effect when set at
// run time (unlike --max-semi-space-size, which only a command line sets).
// - The young generation stays at 1 MiB instead of doubling up to 2 x 16 MiB: records live for
//   microseconds to milliseconds, so a bigger nursery only holds more garbage.
// - After a full collection the old generation may grow 20 % over what is live before the next one,
//   instead of V8's 1.1-4x, so promoted garbage is collected at ~12-15 MiB instead of ~45 MiB.
// Measured at 10k rec/s (bench/agent-rss.ts): RSS ~105 -> ~75 MiB for ~15 % more CPU (docs/benchmarks.md).
const SMALL: readonly string[] = ['--semi-space-growth-factor=1', '--heap-growing-percent=20'];
/** V8's own values (node --v8-options): growth factor 2, heap growing percent 0 = V8's dynamic factor. */
const NODE: readonly string[] = ['--semi-space-growth-factor=2', '--heap-growing-percent=0'];

for (const flag of SMALL) setFlagsFromString(flag);

/** Applies a heap profile to this process; call it before the command's real work starts. */
export function applyHeapProfile(profile: HeapProfile): void {
  for (const flag of profile === 'small' ? SMALL : NODE) setFlagsFromString(flag);
}
