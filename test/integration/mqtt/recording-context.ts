import { silentLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import type { DataRecord, JsonValue } from '../../../core/record.js';
import type { SourceContext } from '../../../agent/component.js';

export interface DeadLetter {
  raw: JsonValue;
  reason: string;
  attrs: Record<string, string>;
}

/** How the recording context answers `emit`: at once, never (until `release`), or with a failure. */
export type EmitMode = 'resolve' | 'hold' | 'fail';

/** A SourceContext that records what a source hands over, with emits that can be held or failed. */
export interface RecordingContext extends SourceContext {
  records: DataRecord[];
  deadLetters: DeadLetter[];
  mode: EmitMode;
  /** Number of emit calls that were failed. */
  failures: number;
  /** Resolves every held emit (and dead letter). */
  release(): void;
  /** Waits until `predicate` holds, polling; fails the test after `timeoutMs`. */
  until(predicate: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

/** Builds a recording context for source `id`. */
export function recordingContext(id = 'climate', mode: EmitMode = 'resolve'): RecordingContext {
  const held: (() => void)[] = [];
  const answer = (): Promise<void> => {
    if (context.mode === 'fail') {
      context.failures++;
      return Promise.reject(new Error('log unavailable (test)'));
    }
    if (context.mode === 'hold') return new Promise<void>((resolve) => held.push(resolve));
    return Promise.resolve();
  };
  const context: RecordingContext = {
    id,
    logger: silentLogger(),
    metrics: new Metrics(),
    records: [],
    deadLetters: [],
    mode,
    failures: 0,
    emit(records) {
      context.records.push(...records);
      return answer();
    },
    deadLetter(raw, reason, attrs = {}) {
      context.deadLetters.push({ raw, reason, attrs });
      return answer();
    },
    release() {
      for (const resolve of held.splice(0)) resolve();
    },
    until: (predicate, what, timeoutMs = 5000) => waitFor(predicate, what, timeoutMs),
  };
  return context;
}

/** Polls `predicate` every 5 ms; rejects naming `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
