import { QuantileSketch, binIndex } from './sketch.js';

/** A stored window row as read back from `aggregate_windows`. */
export interface WindowRow {
  key: string;
  metric: string;
  window_ms: number;
  window_start: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  last_ts: number;
  sketch: Buffer;
  updated_at: number;
}

/** The running statistics of one tumbling window of one (device key, metric). */
export class WindowState {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  last = 0;
  lastTs = -Infinity;
  /** Changed since the last flush (and listed in the aggregator's dirty list). */
  dirty = false;

  constructor(
    readonly key: string,
    readonly metric: string,
    readonly windowMs: number,
    readonly start: number,
    readonly sketch: QuantileSketch = new QuantileSketch(),
  ) {}

  /** Rebuilds the state a flush stored, so records after the committed offset continue from it. */
  static fromRow(row: WindowRow): WindowState {
    const state = new WindowState(row.key, row.metric, row.window_ms, row.window_start, QuantileSketch.fromBytes(row.sketch));
    state.count = row.count;
    state.sum = row.sum;
    state.min = row.min;
    state.max = row.max;
    state.last = row.last;
    state.lastTs = row.last_ts;
    return state;
  }

  /**
   * Applies one value. Records arrive in offset order, so on equal ts the later offset is the one
   * seen later (`>=`); a restored window's last came from below the committed offset, so the same holds.
   */
  add(value: number, ts: number, bin = binIndex(value)): void {
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (ts >= this.lastTs) {
      this.last = value;
      this.lastTs = ts;
    }
    this.sketch.addAtBin(value, bin);
  }

  /** End of the window (exclusive). */
  get end(): number {
    return this.start + this.windowMs;
  }
}

/** Start of the window of size `windowMs` holding `ts`: windows are [start, start + size), aligned on the epoch. */
export function windowStart(ts: number, windowMs: number): number {
  return ts - (((ts % windowMs) + windowMs) % windowMs);
}
