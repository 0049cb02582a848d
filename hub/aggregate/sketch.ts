import { TributaryError } from '../../core/errors.js';

/**
 * Quantile sketch (DDSketch, Masson et al. 2019): values fall in logarithmic bins, so any quantile
 * it returns is within RELATIVE_ACCURACY of the exact one (|estimate − exact| ≤ 1 % of |exact|).
 * Mergeable (add the bins) and bounded: at most MAX_BINS bins per sign, about 8 bytes each.
 */
export const RELATIVE_ACCURACY = 0.01;
/** Bins kept per sign; 2048 bins cover magnitudes spanning a factor of about 6e17 before the lowest collapse. */
export const MAX_BINS = 2048;
/** Magnitudes below this count as zero (exactly 0 is returned for them). */
export const MIN_MAGNITUDE = 1e-9;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const INVERSE_LOG_GAMMA = 1 / Math.log(GAMMA);
const FORMAT_VERSION = 1;

/** Dense counts of consecutive bin indexes, from `offset`. */
class Bins {
  offset = 0;
  counts: number[] = [];

  add(index: number, count: number): void {
    const counts = this.counts;
    const slot = index - this.offset;
    if (slot >= 0 && slot < counts.length) {
      counts[slot]! += count;
      return;
    }
    if (counts.length === 0) {
      this.offset = index;
      counts.push(count);
      return;
    }
    this.extend(index, count);
  }

  /** Makes room for `index`, collapsing the lowest bins into one when the span would exceed MAX_BINS. */
  private extend(index: number, count: number): void {
    const top = this.offset + this.counts.length - 1;
    if (index > top && index - this.offset < MAX_BINS) {
      // The usual growth (a new largest magnitude): append in place.
      for (let i = top + 1; i < index; i++) this.counts.push(0);
      this.counts.push(count);
      return;
    }
    const high = Math.max(this.offset + this.counts.length - 1, index);
    const low = Math.max(Math.min(this.offset, index), high - MAX_BINS + 1);
    const next = new Array<number>(high - low + 1).fill(0);
    for (let i = 0; i < this.counts.length; i++) {
      const at = Math.max(this.offset + i, low) - low;
      next[at]! += this.counts[i]!;
    }
    next[Math.max(index, low) - low]! += count;
    this.offset = low;
    this.counts = next;
  }
}

/** A DDSketch of the values of one window. */
export class QuantileSketch {
  private zeroCount = 0;
  private readonly positive = new Bins();
  private readonly negative = new Bins();

  /** Adds one value (finite numbers only; the caller filters). */
  add(value: number): void {
    this.addAtBin(value, binIndex(value));
  }

  /** Adds one value whose `binIndex` the caller computed once for several sketches (a value goes to one window per size). */
  addAtBin(value: number, index: number): void {
    if (value > MIN_MAGNITUDE) this.positive.add(index, 1);
    else if (value < -MIN_MAGNITUDE) this.negative.add(index, 1);
    else this.zeroCount += 1;
  }

  /** Adds every value of another sketch (windows merge into larger ranges this way). */
  merge(other: QuantileSketch): void {
    this.zeroCount += other.zeroCount;
    for (const [mine, theirs] of [[this.positive, other.positive], [this.negative, other.negative]] as const) {
      theirs.counts.forEach((count, i) => {
        if (count > 0) mine.add(theirs.offset + i, count);
      });
    }
  }

  /** Number of values added. */
  get count(): number {
    let n = this.zeroCount;
    for (const c of this.positive.counts) n += c;
    for (const c of this.negative.counts) n += c;
    return n;
  }

  /** The value at quantile q (0..1) — the lower one at rank floor(q·(n−1)) — or undefined when empty. */
  quantile(q: number): number | undefined {
    const total = this.count;
    if (total === 0) return undefined;
    const rank = Math.floor(Math.min(Math.max(q, 0), 1) * (total - 1));
    let seen = 0;
    // Most negative first: the negative bins hold magnitudes, so walk them from the top.
    const neg = this.negative;
    for (let i = neg.counts.length - 1; i >= 0; i--) {
      seen += neg.counts[i]!;
      if (seen > rank) return -binValue(neg.offset + i);
    }
    seen += this.zeroCount;
    if (seen > rank) return 0;
    const pos = this.positive;
    for (let i = 0; i < pos.counts.length; i++) {
      seen += pos.counts[i]!;
      if (seen > rank) return binValue(pos.offset + i);
    }
    return binValue(pos.offset + pos.counts.length - 1);
  }

  /** Serializes to a compact little-endian blob (see `fromBytes`). */
  toBytes(): Buffer {
    const pos = this.positive;
    const neg = this.negative;
    const buffer = Buffer.allocUnsafe(8 * (6 + pos.counts.length + neg.counts.length));
    let at = 0;
    for (const n of [FORMAT_VERSION, this.zeroCount, pos.offset, pos.counts.length, neg.offset, neg.counts.length]) at = buffer.writeDoubleLE(n, at);
    for (const c of pos.counts) at = buffer.writeDoubleLE(c, at);
    for (const c of neg.counts) at = buffer.writeDoubleLE(c, at);
    return buffer;
  }

  /** Reads a blob written by `toBytes`; throws ERR_AGGREGATE_BAD_SKETCH when it is not one. */
  static fromBytes(bytes: Uint8Array): QuantileSketch {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bad = (why: string) => new TributaryError('ERR_AGGREGATE_BAD_SKETCH', `a stored percentile sketch is unreadable (${why}); delete the aggregate_windows row or let the aggregator rewrite it`);
    if (buffer.length < 48 || buffer.length % 8 !== 0) throw bad(`${buffer.length} bytes`);
    const header = [0, 1, 2, 3, 4, 5].map((i) => buffer.readDoubleLE(i * 8)) as [number, number, number, number, number, number];
    const [version, zeroCount, posOffset, posLength, negOffset, negLength] = header;
    if (version !== FORMAT_VERSION) throw bad(`format ${version}`);
    if (buffer.length !== 8 * (6 + posLength + negLength)) throw bad('length does not match its header');
    const sketch = new QuantileSketch();
    sketch.zeroCount = zeroCount;
    let at = 48;
    for (const [bins, offset, length] of [[sketch.positive, posOffset, posLength], [sketch.negative, negOffset, negLength]] as const) {
      bins.offset = offset;
      for (let i = 0; i < length; i++, at += 8) bins.counts.push(buffer.readDoubleLE(at));
    }
    return sketch;
  }
}

/** The value a bin stands for: within RELATIVE_ACCURACY of everything in (γ^(i−1), γ^i]. */
function binValue(index: number): number {
  return (2 * Math.pow(GAMMA, index)) / (GAMMA + 1);
}

/** The bin of a value's magnitude (unused for values counted as zero). */
export function binIndex(value: number): number {
  const magnitude = Math.abs(value);
  return magnitude > MIN_MAGNITUDE ? Math.ceil(Math.log(magnitude) * INVERSE_LOG_GAMMA) : 0;
}
