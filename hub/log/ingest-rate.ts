import type { LogStore } from '../../core/log/store.js';

/** Samples kept per partition: the rate is over the last few seconds, so one burst does not make the number jump. */
const WINDOW_SAMPLES = 6;

/**
 * Records/s appended to each hub partition, from its log end offset (a counter that only grows)
 * sampled every second.
 */
export class IngestRateMeter {
  /** Per partition: [time ms, log end offset] samples, oldest first. */
  private readonly samples: [number, number][][];
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly store: Pick<LogStore, 'partitions' | 'state'>,
    options: { intervalMs?: number; now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.samples = Array.from({ length: store.partitions }, () => []);
    this.sample();
    const interval = options.intervalMs ?? 1000;
    if (interval > 0) {
      this.timer = setInterval(() => this.sample(), interval);
      this.timer.unref();
    }
  }

  /** Takes one sample of every partition's log end. */
  sample(): void {
    const now = this.now();
    for (let p = 0; p < this.store.partitions; p++) {
      const list = this.samples[p]!;
      list.push([now, this.store.state(p).nextOffset]);
      if (list.length > WINDOW_SAMPLES) list.shift();
    }
  }

  /** Records/s over the samples held (0 before two samples). */
  rate(partition: number): number {
    const list = this.samples[partition];
    if (list === undefined || list.length < 2) return 0;
    const [t0, o0] = list[0]!;
    const [t1, o1] = list[list.length - 1]!;
    return t1 > t0 ? ((o1 - o0) * 1000) / (t1 - t0) : 0;
  }

  /** Stops sampling. */
  close(): void {
    clearInterval(this.timer);
  }
}
