import type { AgentStatusReport } from '../../core/status.js';

/** Reports kept per agent for the dashboard's sparklines. */
export const HISTORY_SAMPLES = 120;

/** One point of an agent's sparklines: rates between two reports and the depths at the second (hub clock). */
export interface RateSample {
  ts: number;
  /** Records per second from the agent's sources. */
  in: number;
  /** Records per second acknowledged by the hub. */
  out: number;
  bufferRecords: number;
  lagRecords: number;
}

export interface Rates {
  in: number;
  out: number;
}

/**
 * Records/s between two consecutive reports of an agent (totals delta / agent-clock delta), or undefined
 * when they cannot be compared: the agent restarted (another `startedAt`, or totals went down) or
 * the clock did not move forward. The agent's own clock is used so network delays do not skew rates.
 */
export function ratesBetween(previous: AgentStatusReport, next: AgentStatusReport): Rates | undefined {
  if (previous.startedAt !== next.startedAt) return undefined;
  const seconds = (next.ts - previous.ts) / 1000;
  if (!(seconds > 0)) return undefined;
  const inDelta = next.totals.in - previous.totals.in;
  const outDelta = next.totals.forwarded - previous.totals.forwarded;
  if (inDelta < 0 || outDelta < 0) return undefined;
  return { in: inDelta / seconds, out: outDelta / seconds };
}

/** A fixed-size history, oldest first. */
export class SampleHistory<T> {
  private readonly items: T[] = [];

  constructor(private readonly capacity = HISTORY_SAMPLES) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  /** A copy, oldest first. */
  toArray(): T[] {
    return [...this.items];
  }

  get length(): number {
    return this.items.length;
  }
}
