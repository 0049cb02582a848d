/** What a framer found in the bytes it was given. */
export type FrameEvent =
  | { kind: 'frame'; bytes: Buffer }
  /** More than `maxFrameBytes` without a delimiter: `bytes` holds the start of it; the rest up to the next delimiter is dropped. */
  | { kind: 'too_long'; bytes: Buffer };

/** Cuts a byte stream into frames; keeps what belongs to an unfinished frame until more bytes come. */
export interface Framer {
  push(chunk: Buffer): FrameEvent[];
  /** Drops the unfinished frame (port closed) and returns its bytes, possibly empty. */
  reset(): Buffer;
}

/**
 * Frames end with a delimiter (not part of the frame). A frame may be split across any number of
 * chunks, the delimiter too. An over-long frame is reported once and skipped up to the next delimiter,
 * so one lost delimiter costs one frame, not the stream.
 */
export class DelimiterFramer implements Framer {
  private pending: Buffer = Buffer.alloc(0);
  private discarding = false;

  constructor(
    private readonly delimiter: Buffer,
    private readonly maxFrameBytes: number,
  ) {
    if (delimiter.length === 0) throw new RangeError('delimiter must not be empty');
  }

  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    // Only the last delimiter.length - 1 old bytes can start a delimiter that ends in the new chunk.
    let searchFrom = Math.max(0, this.pending.length - (this.delimiter.length - 1));
    let frameStart = 0;
    for (;;) {
      const end = data.indexOf(this.delimiter, searchFrom);
      if (end < 0) break;
      if (this.discarding) {
        this.discarding = false;
      } else if (end - frameStart > this.maxFrameBytes) {
        events.push({ kind: 'too_long', bytes: Buffer.from(data.subarray(frameStart, frameStart + this.maxFrameBytes)) });
      } else {
        events.push({ kind: 'frame', bytes: data.subarray(frameStart, end) });
      }
      frameStart = end + this.delimiter.length;
      searchFrom = frameStart;
    }
    let rest = data.subarray(frameStart);
    // A partial delimiter at the end may still complete a frame that is exactly maxFrameBytes long.
    const allowance = this.maxFrameBytes + this.delimiter.length - 1;
    if (this.discarding) {
      rest = rest.subarray(Math.max(0, rest.length - (this.delimiter.length - 1)));
    } else if (rest.length > allowance) {
      events.push({ kind: 'too_long', bytes: Buffer.from(rest.subarray(0, this.maxFrameBytes)) });
      this.discarding = true;
      rest = rest.subarray(rest.length - (this.delimiter.length - 1));
    }
    // Copy: chunks are views into the port's read pool, which must not be pinned by a few bytes.
    this.pending = Buffer.from(rest);
    return events;
  }

  reset(): Buffer {
    const rest = this.discarding ? Buffer.alloc(0) : this.pending;
    this.pending = Buffer.alloc(0);
    this.discarding = false;
    return rest;
  }
}

/** Frames of exactly `length` bytes, for binary devices without delimiters. */
export class FixedLengthFramer implements Framer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly length: number) {
    if (!Number.isInteger(length) || length < 1) throw new RangeError('fixed_length must be a positive integer');
  }

  push(chunk: Buffer): FrameEvent[] {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const events: FrameEvent[] = [];
    let start = 0;
    for (; start + this.length <= data.length; start += this.length) {
      events.push({ kind: 'frame', bytes: data.subarray(start, start + this.length) });
    }
    this.pending = Buffer.from(data.subarray(start));
    return events;
  }

  reset(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }
}
