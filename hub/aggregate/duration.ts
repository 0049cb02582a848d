import { DURATION_PATTERN } from '../config/schema.js';
import { TributaryError } from '../../core/errors.js';

/** A duration written as a number of milliseconds or a string like `500ms`, `10s`, `1m`, `1h`, `7d`. */
export type Duration = string | number;

const DURATION = new RegExp(DURATION_PATTERN);
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration; throws ERR_AGGREGATE_CONFIG when it is not one. */
export function durationMs(duration: Duration): number {
  if (typeof duration === 'number') {
    if (Number.isInteger(duration) && duration > 0) return duration;
  } else {
    const match = DURATION.exec(duration.trim());
    if (match) {
      const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
      if (ms > 0) return ms;
    }
  }
  throw new TributaryError('ERR_AGGREGATE_CONFIG', `${JSON.stringify(duration)} is not a duration: write a positive number of milliseconds or a string like "10s", "1m", "1h", "7d"`);
}

/** The shortest readable form of a duration in ms: 10000 → "10s", 3600000 → "1h", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
