/**
 * How the process's V8 heap trades memory for garbage-collection CPU. Importing this module (first, from
 * bin/tributary.js) keeps the young generation at its initial 1 MiB from the very start: once it has grown
 * while modules load, V8 does not give the memory back. Commands that want V8's defaults turn growth back on.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** `tributary agent --heap`: `small` for edge devices (the default), `node` for V8's defaults. */
export type HeapProfile = 'small' | 'node';

export const HEAP_PROFILES: readonly HeapProfile[] = ['small', 'node'];

// Both flags are read by the garbage collector each time it sizes the heap, so they take effect when set at
// run time (unlike --max-semi-space-size, which only a command line sets).
// - The young generation stays at 1 MiB instead of doubling up to 2 x 16 MiB: records live for
//   microseconds to milliseconds, so a bigger nursery mostly holds garbage.
// - After a full collection the old generation may grow 20 % over what is live before the next one,
//   instead of V8's 1.1-4x, so promoted garbage is collected at ~12-15 MiB instead of ~45 MiB.
const SMALL_YOUNG = '--semi-space-growth-factor=1';
const TIGHT_OLD = '--heap-growing-percent=20';
/**
 * Loosened (below), the young generation may double once, to 2 x 2 MiB. Measured draining an MQTT backlog
 * (bench/mqtt-source.ts, agent through bin/tributary.js): 0.83x of a plain mqtt.js subscriber with it, 0.74x
 * without. Growth is switched off again from the GC observer, a turn late, so a turn that allocates a lot
 * takes it further (2 x 4 MiB seen), and V8 never shrinks it; `NODE_OPTIONS=--max-semi-space-size=2` (the
 * systemd unit, the compose agents) makes the cap exact.
 */
const LOOSE_YOUNG_MAX_BYTES = 4 * 1024 * 1024;
/** V8's own values (node --v8-options): growth factor 2; heap growing percent 0 = V8's dynamic factor. */
const NODE_YOUNG = '--semi-space-growth-factor=2';
const NODE_OLD = '--heap-growing-percent=0';

setFlagsFromString(SMALL_YOUNG);
setFlagsFromString(TIGHT_OLD);

/**
 * When garbage collection takes more than this share of wall time for a whole second (a backlog drained
 * at 50-100k records/s, not the burst of loading the flow), the heap loosens until the load is over: memory
 * then follows the load instead of throughput paying for a small heap. At 10k records/s the share is ~0.5 %.
 */
export const GC_SHARE_LOOSEN = 0.1;
/** Windows (of WINDOW_MS) in a row above GC_SHARE_LOOSEN before the heap loosens. */
const LOOSEN_AFTER_WINDOWS = 2;
/** The tight old generation returns once the share has stayed below this for `TIGHTEN_AFTER_MS`. */
export const GC_SHARE_TIGHTEN = 0.03;
const WINDOW_MS = 500;
const TIGHTEN_AFTER_MS = 10_000;

/** Decides, once per window, whether the heap should be tight (small young and old generations); pure, for tests. */
export class HeapGovernor {
  tight = true;
  private busyWindows = 0;
  private calmSinceMs: number | undefined;

  /** `gcMs` spent collecting during the last `windowMs`; returns true when `tight` changed. */
  observe(gcMs: number, windowMs: number, nowMs: number): boolean {
    const share = gcMs / windowMs;
    if (this.tight) {
      this.busyWindows = share > GC_SHARE_LOOSEN ? this.busyWindows + 1 : 0;
      if (this.busyWindows < LOOSEN_AFTER_WINDOWS) return false;
      this.tight = false;
      this.busyWindows = 0;
      this.calmSinceMs = undefined;
      return true;
    }
    if (share >= GC_SHARE_TIGHTEN) {
      this.calmSinceMs = undefined;
      return false;
    }
    this.calmSinceMs ??= nowMs;
    if (nowMs - this.calmSinceMs < TIGHTEN_AFTER_MS) return false;
    this.tight = true;
    return true;
  }
}

/**
 * Applies a heap profile to this process; call it before the command's real work starts. `small` also
 * watches the time spent in garbage collection (for the life of the process) and loosens the heap under
 * heavy load (HeapGovernor).
 */
export function applyHeapProfile(profile: HeapProfile): void {
  if (profile === 'node') {
    setFlagsFromString(NODE_YOUNG);
    setFlagsFromString(NODE_OLD);
    return;
  }
  setFlagsFromString(SMALL_YOUNG);
  setFlagsFromString(TIGHT_OLD);
  const governor = new HeapGovernor();
  let gcMs = 0;
  let youngGrowing = false;
  const stopYoungGrowth = () => {
    setFlagsFromString(SMALL_YOUNG);
    youngGrowing = false;
  };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
    if (youngGrowing && newSpaceBytes() >= LOOSE_YOUNG_MAX_BYTES) stopYoungGrowth();
  });
  observer.observe({ entryTypes: ['gc'] });
  let windowStartMs = performance.now();
  const timer = setInterval(() => {
    // The real window: a timer fires late when a turn of the event loop is long (a synchronous commit's
    // fsync, a big batch), and dividing by WINDOW_MS then overstated the share exactly under load.
    const nowMs = performance.now();
    const windowMs = Math.max(nowMs - windowStartMs, 1);
    windowStartMs = nowMs;
    if (governor.observe(gcMs, windowMs, nowMs)) {
      if (governor.tight) {
        setFlagsFromString(TIGHT_OLD);
        stopYoungGrowth();
      } else {
        setFlagsFromString(NODE_OLD);
        if (newSpaceBytes() < LOOSE_YOUNG_MAX_BYTES) {
          setFlagsFromString(NODE_YOUNG);
          youngGrowing = true;
        }
      }
    }
    gcMs = 0;
  }, WINDOW_MS);
  timer.unref();
}

/** Memory of both semi-spaces of the young generation. */
function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}
