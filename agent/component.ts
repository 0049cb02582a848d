import type { DataRecord, JsonValue } from '../core/record.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';

/** A JSON Schema (draft-07, as editors' YAML plugins understand it) describing one component's YAML config. */
export type JsonSchema = Record<string, unknown>;

/**
 * A problem found by a component's semantic `check` (beyond the JSON Schema),
 * e.g. an expression that does not compile. `path` is relative to the component's config.
 */
export interface ConfigProblem {
  path: (string | number)[];
  message: string;
}

/** What every component gets from the agent at creation. */
export interface ComponentContext {
  /** The component's id (its key under `sources:` or `processors:`). */
  id: string;
  logger: Logger;
  metrics: Metrics;
}

/** Health of a source, shown in status and on the dashboard. */
export interface SourceHealth {
  state: 'starting' | 'connected' | 'reconnecting' | 'stalled' | 'stopped' | 'error';
  detail?: string;
  /** Epoch ms of the last record or frame seen. */
  lastDataAt?: number;
}

export interface SourceContext extends ComponentContext {
  /**
   * Hands records to the flow. The promise resolves once every record (and whatever the processors
   * made of it) is durable in the log, or was dropped by the flow on purpose (filter, sample...).
   * Acknowledge upstream (e.g. an MQTT PUBACK) only after it resolves.
   */
  emit(records: DataRecord[]): Promise<void>;
  /**
   * Keeps input that could not be turned into a record (bad frame, bad payload) for inspection:
   * it is stored as a dead-letter record with the reason, and counted.
   */
  deadLetter(raw: JsonValue, reason: string, attrs?: Record<string, string>): Promise<void>;
}

/** A running source. `stop` stops reading and resolves when nothing more will be emitted. */
export interface Source {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): SourceHealth;
}

/** A source type: its name, config schema, semantic checks and constructor. */
export interface SourceSpec<Config = unknown> {
  type: string;
  description: string;
  schema: JsonSchema;
  check?(config: Config): ConfigProblem[];
  create(config: Config, context: SourceContext): Source;
}

/** Emits one output record, on a named output for processors that have several (`route`). */
export type Emit = (record: DataRecord, output?: string) => void;

/**
 * A running processor: synchronous, one record in, zero or more out.
 * Throwing sends the input record to the dead-letter stream with the error as reason; the flow goes on.
 */
export interface Processor {
  process(record: DataRecord, emit: Emit): void;
}

/** A processor type: its name, config schema, checks and constructor. */
export interface ProcessorSpec<Config = unknown> {
  type: string;
  description: string;
  schema: JsonSchema;
  /** Named outputs, e.g. a route's route names; referenced as `id.output`. */
  outputs?(config: Config): string[];
  /** False when the processor emits only on its named outputs (`route`): reading `id` alone is an error. */
  defaultOutput?: boolean;
  check?(config: Config): ConfigProblem[];
  create(config: Config, context: ComponentContext): Processor;
}
