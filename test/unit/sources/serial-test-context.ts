import type { SourceContext } from '../../../agent/component.js';
import { silentLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import type { DataRecord, JsonValue } from '../../../core/record.js';

export interface DeadLetter {
  raw: JsonValue;
  reason: string;
  attrs?: Record<string, string>;
}

/** A SourceContext that keeps what the source emits, for assertions (serial unit and integration tests). */
export interface CollectingContext extends SourceContext {
  records: DataRecord[];
  deadLetters: DeadLetter[];
  metrics: Metrics;
}

/** Collects records and dead letters; `emit` resolves at once unless a custom one is given. */
export function collectingContext(id = 'gps', emit?: (records: DataRecord[]) => Promise<void>): CollectingContext {
  const context: CollectingContext = {
    id,
    logger: silentLogger(),
    metrics: new Metrics(),
    records: [],
    deadLetters: [],
    emit: async (records) => {
      if (emit) await emit(records);
      context.records.push(...records);
    },
    deadLetter: async (raw, reason, attrs) => {
      context.deadLetters.push({ raw, reason, attrs });
    },
  };
  return context;
}

/** Polls until `condition` holds; fails naming `what` (and the last state) after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000, state?: () => unknown): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? `; state: ${JSON.stringify(state())}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
