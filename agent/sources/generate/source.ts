import { errorMessage } from '../../../core/errors.js';
import type { DataRecord, JsonValue } from '../../../core/record.js';
import type { Source, SourceContext, SourceHealth } from '../../component.js';
import type { GenerateSourceConfig } from './config.js';
import { randomSeed, seededRandom, type Random } from './random.js';
import { compileTemplate, defaultTemplate, type FieldInput } from './value-template.js';

/** Metric names of the generate source (label `source`). */
export const generateSourceMetrics = {
  records: 'tributary_source_records_total',
  emitFailures: 'tributary_source_emit_failures_total',
} as const;

/** A batch about every this many ms at the configured rate, when batch_size is not set. */
const BATCH_INTERVAL_MS = 5;
const UNTHROTTLED_BATCH = 1000;
/** Distinct filler strings cycled through for payload_bytes (making one per record costs more than the log). */
const FILLER_POOL = 64;

/** Clock of the source; tests pass a fake one. */
export interface GenerateClock {
  /** Monotonic milliseconds. */
  now(): number;
}

/**
 * Emits synthetic records. The schedule is computed from the start time (records due = elapsed ×
 * rate), so timer jitter and batching never change the average rate. When emits lag (the log is
 * slow), generation pauses once a bounded number of records is in flight, then catches up.
 */
export class GenerateSource implements Source {
  private readonly keys: string[];
  private readonly sequences: number[];
  private readonly random: Random;
  private readonly makeValue: (input: FieldInput) => JsonValue;
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly labels: { source: string };
  private state: SourceHealth = { state: 'starting' };
  private startedAt = 0;
  private generated = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private running = false;
  private failing = false;

  constructor(
    private readonly config: GenerateSourceConfig,
    private readonly context: SourceContext,
    private readonly clock: GenerateClock = performance,
  ) {
    this.keys = config.keys ?? Array.from({ length: config.key_count }, (_, i) => `${config.key_prefix}${i}`);
    this.sequences = new Array<number>(this.keys.length).fill(0);
    this.random = seededRandom(config.seed ?? randomSeed());
    this.makeValue = config.payload_bytes !== undefined ? fillerValues(config.payload_bytes, this.random) : compileTemplate(config.value ?? defaultTemplate, this.keys.length);
    this.batchSize = config.batch_size ?? (config.rate_per_sec === 0 ? UNTHROTTLED_BATCH : Math.max(1, Math.ceil((config.rate_per_sec * BATCH_INTERVAL_MS) / 1000)));
    this.maxInFlight = Math.max(this.batchSize * 16, 1024);
    this.labels = { source: context.id };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.startedAt = this.clock.now();
    this.state = { state: 'connected', detail: this.describeRate() };
    this.tick();
  }

  /** Stops generating; records already handed over settle on their own. */
  async stop(): Promise<void> {
    this.running = false;
    this.clearTimer();
    if (this.state.state !== 'stopped') this.state = { ...this.state, state: 'stopped', detail: `stopped after ${this.generated} records` };
  }

  health(): SourceHealth {
    return { ...this.state };
  }

  /** Records generated so far. */
  get count(): number {
    return this.generated;
  }

  private tick(): void {
    this.timer = undefined;
    this.immediate = undefined;
    if (!this.running) return;
    const limit = this.config.count ?? Infinity;
    if (this.config.rate_per_sec === 0) {
      if (this.generated < limit && this.inFlight < this.maxInFlight) this.emitBatch(Math.min(this.batchSize, limit - this.generated));
    } else {
      const elapsed = this.clock.now() - this.startedAt;
      const due = Math.min(limit, Math.floor((elapsed * this.config.rate_per_sec) / 1000));
      // Whole batches only (the last one may be short), so a timer firing a bit early emits nothing.
      for (;;) {
        const ready = due - this.generated;
        if (ready <= 0 || ready < Math.min(this.batchSize, limit - this.generated) || this.inFlight >= this.maxInFlight) break;
        this.emitBatch(Math.min(this.batchSize, ready));
      }
    }
    if (this.generated >= limit) {
      this.running = false;
      this.state = { ...this.state, state: 'stopped', detail: `count reached: ${this.generated} records` };
      return;
    }
    if (this.inFlight >= this.maxInFlight) return; // settle() calls tick again
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.immediate || !this.running) return;
    if (this.config.rate_per_sec === 0) {
      this.immediate = setImmediate(() => this.tick());
      return;
    }
    const nextBatchAtMs = this.startedAt + ((this.generated + this.batchSize) * 1000) / this.config.rate_per_sec;
    this.timer = setTimeout(() => this.tick(), Math.max(0, Math.ceil(nextBatchAtMs - this.clock.now())));
  }

  private emitBatch(size: number): void {
    const ts = Date.now();
    const records: DataRecord[] = new Array(size);
    for (let i = 0; i < size; i++) {
      const keyIndex = this.generated % this.keys.length;
      const key = this.keys[keyIndex]!;
      const sequence = this.sequences[keyIndex]!;
      this.sequences[keyIndex] = sequence + 1;
      records[i] = { key, ts, value: this.makeValue({ key, keyIndex, sequence, ts, random: this.random }), attrs: { source: this.context.id } };
      this.generated++;
    }
    this.inFlight += size;
    this.context.metrics.inc(generateSourceMetrics.records, this.labels, size);
    let stored: Promise<void>;
    try {
      stored = this.context.emit(records);
    } catch (error) {
      stored = Promise.reject(error);
    }
    stored.then(
      () => this.settle(size, undefined),
      (error: unknown) => this.settle(size, error),
    );
  }

  private settle(size: number, error: unknown): void {
    this.inFlight -= size;
    if (error !== undefined) {
      this.context.metrics.inc(generateSourceMetrics.emitFailures, this.labels, size);
      // Log on the change to failing, not per batch: at high rates that would flood the log.
      if (!this.failing) this.context.logger.error({ err: error }, 'generate source could not store records; generating on, counting failures');
      this.failing = true;
      if (this.running) this.state = { ...this.state, state: 'error', detail: `could not store records: ${errorMessage(error)}` };
    } else if (this.failing) {
      this.failing = false;
      if (this.running) this.state = { ...this.state, state: 'connected', detail: this.describeRate() };
    }
    if (this.running && this.inFlight < this.maxInFlight) this.schedule();
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private describeRate(): string {
    const rate = this.config.rate_per_sec === 0 ? 'as fast as the log takes them' : `${this.config.rate_per_sec} records/s`;
    return `generating ${rate} to ${this.keys.length} key(s)${this.config.count === undefined ? '' : `, ${this.config.count} in all`}`;
  }
}

/** Values of `payloadBytes` ASCII characters, drawn from a small pool made once. */
function fillerValues(payloadBytes: number, random: Random): (input: FieldInput) => JsonValue {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const pool = Array.from({ length: FILLER_POOL }, () => {
    let text = '';
    for (let i = 0; i < payloadBytes; i++) text += alphabet[Math.floor(random() * alphabet.length)];
    return text;
  });
  let next = 0;
  return () => pool[next++ % FILLER_POOL]!;
}
