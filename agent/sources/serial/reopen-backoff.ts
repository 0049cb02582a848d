/**
 * Capped exponential delay between reopen attempts: first `initialMs`, then doubling up to `maxMs`.
 * No jitter: a serial port is not shared with other agents, so there is no herd to spread.
 */
export class ReopenBackoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** Delay before the next attempt. */
  next(): number {
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return delay;
  }

  /** Attempts since the port last delivered data. */
  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
