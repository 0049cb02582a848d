/**
 * Exponential backoff with full jitter (each delay is uniform in [0, min(max, min·2^attempt)]):
 * agents that lost the same broker at the same moment spread their reconnects instead of
 * hammering it in lockstep.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt; each call doubles the ceiling until `maxMs`. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(this.random() * ceiling);
  }

  /** Attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** Call after a success: the next failure starts again from `minMs`. */
  reset(): void {
    this.attempt = 0;
  }
}
