import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import { DEAD_LETTER_ATTR, DEAD_LETTER_FROM_ATTR, type DataRecord, type JsonValue } from '../../core/record.js';
import type { Emit, Processor, ProcessorSpec } from '../component.js';
import type { FlowConfig } from '../flow/types.js';

type Deliver = (record: DataRecord) => void;

/** Where records leave the pipeline: the buffer's append, resolving when durable. */
export type PipelineSink = (record: DataRecord) => Promise<void>;

export interface PipelineOptions {
  flow: FlowConfig;
  processorSpecs: Record<string, ProcessorSpec<never>>;
  sink: PipelineSink;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Runs records through the flow's processor graph, synchronously, into the buffer.
 * A record that makes a processor throw becomes a dead letter (with the reason); the flow goes on.
 */
export class Pipeline {
  /** Delivery functions by upstream name (`component` or `component.output`). */
  private readonly downstream = new Map<string, Deliver[]>();
  private readonly processors = new Map<string, Processor>();
  /** Promises of the records delivered during the current synchronous `emit`. */
  private pending: Promise<void>[] | undefined;

  constructor(private readonly options: PipelineOptions) {
    const { flow } = options;
    for (const input of flow.buffer.inputs) this.connect(input, (r) => this.toSink(r));
    for (const [id, entry] of Object.entries(flow.processors)) {
      const spec = options.processorSpecs[entry.type];
      if (!spec) throw new Error(`unknown processor type ${entry.type} (the flow loader should have refused it)`);
      const processor = spec.create(entry as never, { id, logger: options.logger.child({ processor: id }), metrics: options.metrics });
      this.processors.set(id, processor);
      // Built once per processor: delivering a record allocates nothing here.
      const emit: Emit = (out, output) => {
        const targets = this.downstream.get(output === undefined ? id : `${id}.${output}`);
        if (targets) for (const d of targets) d(out);
      };
      const deliver: Deliver = (record) => this.runProcessor(id, processor, emit, record);
      for (const input of entry.inputs) this.connect(input, deliver);
    }
  }

  /** Sends records from a source into the flow; resolves when all that reached the buffer are durable. */
  emit(sourceId: string, records: DataRecord[]): Promise<void> {
    const targets = this.downstream.get(sourceId) ?? [];
    const pending: Promise<void>[] = [];
    this.pending = pending;
    try {
      for (const record of records) for (const deliver of targets) deliver(record);
    } finally {
      this.pending = undefined;
    }
    return settleAll(pending);
  }

  /** Stores input that could not become a record (or failed a processor) as a dead letter. */
  deadLetter(fromId: string, raw: JsonValue, reason: string, attrs: Record<string, string> = {}, key = fromId): Promise<void> {
    this.options.metrics.inc('tributary_flow_dead_letters_total', { component: fromId });
    if (!this.options.flow.buffer.keep_dead_letters) return Promise.resolve();
    const record: DataRecord = {
      key,
      ts: Date.now(),
      value: raw,
      attrs: { ...attrs, [DEAD_LETTER_ATTR]: reason, [DEAD_LETTER_FROM_ATTR]: fromId },
    };
    return this.options.sink(record);
  }

  private connect(upstream: string, deliver: Deliver): void {
    const list = this.downstream.get(upstream);
    if (list) list.push(deliver);
    else this.downstream.set(upstream, [deliver]);
  }

  private toSink(record: DataRecord): void {
    const promise = this.options.sink(record);
    if (this.pending) this.pending.push(promise);
  }

  private runProcessor(id: string, processor: Processor, emit: Emit, record: DataRecord): void {
    try {
      processor.process(record, emit);
    } catch (error) {
      this.options.logger.debug({ processor: id, err: error }, 'record failed a processor; stored as a dead letter');
      const promise = this.deadLetter(id, record.value, errorMessage(error), record.attrs, record.key);
      if (this.pending) this.pending.push(promise);
    }
  }
}

/** Resolves when every promise has; rejects with the first failure. Cheap for the common single-batch case. */
function settleAll(promises: Promise<void>[]): Promise<void> {
  if (promises.length === 0) return Promise.resolve();
  // Records of one emit mostly share one batch gate: wait for each distinct promise once.
  const distinct = [...new Set(promises)];
  if (distinct.length === 1) return distinct[0]!;
  return Promise.all(distinct).then(() => undefined);
}
